import type { ConformanceSummary } from '../../../schemas/conformance';

// Placeholder until the owning module lands its runner.
export async function runEventBridgeConformance(_file: string): Promise<ConformanceSummary> {
  throw new Error('runEventBridgeConformance is not implemented yet');
}
