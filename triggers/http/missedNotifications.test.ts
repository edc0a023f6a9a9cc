import { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import { type FixtureFhirServer, startFixtureFhirServer } from '../conformance/fixtureFhirServer';
import { type TestServer, startTestServer } from './triggerTestServer.testkit';

const SUB = 'https://ehr.example.org/fhir/Subscription/s1';
const heartbeat = (eventsSinceStart: number) =>
  JSON.stringify({
    resourceType: 'Bundle',
    type: 'subscription-notification',
    entry: [{ resource: { resourceType: 'SubscriptionStatus', type: 'heartbeat', status: 'active', eventsSinceSubscriptionStart: String(eventsSinceStart), subscription: { reference: SUB } } }],
  });

describe('missed topic-based notifications', () => {
  let fixture: FixtureFhirServer;
  let s: TestServer;
  beforeEach(async () => {
    fixture = await startFixtureFhirServer([{ resourceType: 'MedicationRequest', id: 'lost', meta: { versionId: '3', lastUpdated: '2025-03-09T10:00:00Z' }, status: 'active', intent: 'order' }]);
    s = await startTestServer({
      sources: { ehr: { kind: 'fhir', baseUrl: fixture.baseUrl, auth: { bearerToken: 't' }, polling: { queries: ['MedicationRequest'], startFrom: '2025-03-01T00:00:00Z' } } },
      routingAttributes: { MedicationRequest: ['status'] },
    });
  });
  afterEach(async () => {
    await s.stop();
    await fixture.close();
  });

  const send = (body: string) => fetch(`${s.url}/fhir/notify/ehr`, { method: 'POST', headers: { Authorization: 'Bearer t', 'Content-Type': 'application/fhir+json' }, body });

  it('queries back when a heartbeat reports events that never arrived', async () => {
    expect((await send(heartbeat(5))).status).toBe(200); // first sight: where the subscription stands
    await s.http.router.poller.idle();
    expect(fixture.requests).toHaveLength(0);
    expect((await send(heartbeat(7))).status).toBe(200); // events 6 and 7 were lost
    await s.http.router.poller.idle();
    expect(fixture.requests.map((r) => r.url.pathname)).toEqual(['/fhir/MedicationRequest']);
    const details = s.bus.events().map((e) => FhirChangeDetail.parse(JSON.parse(e.entry.Detail ?? '')));
    expect(details).toEqual([expect.objectContaining({ reference: 'MedicationRequest/lost', versionId: '3', origin: 'polling', attributes: { status: 'active' } })]);
    expect(s.http.router.metrics.get('clinflow_fhir_notification_gaps_total', { origin: 'r5-subscription' })).toBe(1);
  });
});
