import type { ConformanceSummary } from '../../../schemas/conformance';

// Placeholder until the owning module lands its runner.
export async function runTimingConformance(_file: string): Promise<ConformanceSummary> {
  throw new Error('runTimingConformance is not implemented yet');
}
