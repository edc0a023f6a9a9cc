import { runFhirNotificationCases } from '../../triggers/conformance/runFhirNotificationConformance';
import { summarize } from '../../schemas/conformance';
import { describeWithShared } from '../support/sharedCorpus';

describeWithShared('conformance/fhir-notifications/cases.json', 'shared FHIR notification suite', (file) => {
  it('passes every case over real HTTP', async () => {
    const results = await runFhirNotificationCases(file);
    const summary = summarize(results);
    expect(results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
    expect(summary.total).toBeGreaterThanOrEqual(11);
    expect(summary.passed).toBe(summary.total);
    // Every origin the suite covers is exercised.
    expect(Object.keys(summary.byCategory)).toEqual(expect.arrayContaining(['backport-r4', 'medplum', 'r4-rest-hook', 'r4b-subscription', 'r5-subscription']));
  }, 90_000); // about 4 s alone; generous for a loaded 2-core CI box
});
