/**
 * The project's own FHIR notification cases (projectCases.json, the shared suite's format), replayed
 * over real HTTP by the same runner, so they need no `../shared`. One case per documented delivery
 * variant of each sender, built on the documentation's own examples (synthetic data); each case's
 * `note` names its page:
 *
 * - Medplum: create, update, and delete (`X-Medplum-Deleted-Resource`, body `{}`), signed
 *   (https://www.medplum.com/docs/subscriptions/subscription-extensions);
 * - HAPI FHIR rest-hook: PUT on create/update, DELETE on delete, empty POST without payload
 *   (https://hapifhir.io/hapi-fhir/docs/server_jpa/subscriptions.html);
 * - R4 rest-hook: a resource POSTed to the endpoint (https://hl7.org/fhir/R4/subscription.html);
 * - the Subscriptions R5 Backport IG on R4 and R4B: id-only, full-resource, multi-resource, empty,
 *   several events with a delete (https://hl7.org/fhir/uv/subscriptions-backport/notifications.html);
 * - R5: full-resource, empty, id-only, several events of several types
 *   (https://hl7.org/fhir/R5/subscriptionstatus.html).
 *
 * A delete must become a change event with `interaction: delete`: refusing it would leave a deleted
 * order's reminders running.
 */
import path from 'node:path';
import { summarize } from '../../schemas/conformance';
import { runFhirNotificationCases } from './runFhirNotificationConformance';

describe('project FHIR notification cases', () => {
  it('passes every documented variant of every sender over real HTTP', async () => {
    const results = await runFhirNotificationCases(path.join(__dirname, 'projectCases.json'));
    expect(results.filter((r) => !r.passed).map((r) => `${r.id}: ${r.reason}`)).toEqual([]);
    const summary = summarize(results);
    expect(Object.keys(summary.byCategory).sort()).toEqual(['backport-r4', 'hapi-rest-hook', 'medplum', 'r4-rest-hook', 'r4b-subscription', 'r5-subscription']);
    // Every sender that can delete has its delete case.
    expect(
      results
        .filter((r) => r.id.includes('delete'))
        .map((r) => r.category)
        .sort(),
    ).toEqual(['backport-r4', 'hapi-rest-hook', 'medplum', 'medplum', 'r4b-subscription', 'r5-subscription']);
  }, 120_000); // ~20 cases, each with its own server and database; generous for a loaded 2-core box
});
