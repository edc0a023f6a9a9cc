import type { ConformanceSummary } from '../../schemas/conformance';

// Placeholder until the owning module lands its runner.
export async function runFhirNotificationConformance(_file: string): Promise<ConformanceSummary> {
  throw new Error('runFhirNotificationConformance is not implemented yet');
}
