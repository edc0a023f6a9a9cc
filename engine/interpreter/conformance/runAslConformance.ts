import type { ConformanceSummary } from '../../../schemas/conformance';

// Placeholder until the owning module lands its runner.
export async function runAslConformance(_file: string): Promise<ConformanceSummary> {
  throw new Error('runAslConformance is not implemented yet');
}
