import { createHmac } from 'node:crypto';
import { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import type { TriggerConfigInput } from '../../schemas/triggerConfig';
import { type TestServer, startTestServer } from '../../triggers/http/triggerTestServer.testkit';

/**
 * Issue 11, trust boundaries: forged clinical events over `/events`, notifications naming another
 * server's resources or types that are not FHIR, replays of a signed body without a version, and a
 * client's retry after a connection reset.
 */
const EHR_TOKEN = 'ehr-token-1';
const SECRET = 'medplum-secret-9';
const EVENTS_TOKEN = 'events-token-1';
const config: TriggerConfigInput = {
  sources: {
    ehr: { kind: 'fhir', baseUrl: 'https://ehr.example.org/fhir', auth: { bearerToken: EHR_TOKEN } },
    mp: { kind: 'medplum', baseUrl: 'https://medplum.example.org/fhir', auth: { hmacSecret: SECRET } },
  },
  routingAttributes: { MedicationRequest: ['status', 'intent'] },
  events: { bearerTokens: [EVENTS_TOKEN] },
};

let s: TestServer;
beforeEach(async () => {
  s = await startTestServer(config);
});
afterEach(() => s.stop());

const details = () => s.bus.events().map((e) => FhirChangeDetail.parse(JSON.parse(e.entry.Detail ?? '')));
const putEvents = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/events`, { method: 'POST', headers: { Authorization: `Bearer ${EVENTS_TOKEN}`, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
const notify = (body: unknown) =>
  fetch(`${s.url}/fhir/notify/ehr`, { method: 'POST', headers: { Authorization: `Bearer ${EHR_TOKEN}`, 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body) });
const medplum = (raw: string) =>
  fetch(`${s.url}/fhir/notify/mp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', 'X-Medplum-Interaction': 'update', 'X-Signature': createHmac('sha256', SECRET).update(raw).digest('hex') },
    body: raw,
  });

/** An R5 notification whose one event's focus is `focus`. */
const r5 = (focus: string) => ({
  resourceType: 'Bundle',
  type: 'subscription-notification',
  entry: [
    {
      resource: {
        resourceType: 'SubscriptionStatus',
        type: 'event-notification',
        subscription: { reference: 'https://ehr.example.org/fhir/Subscription/s1' },
        notificationEvent: [{ eventNumber: '7', focus: { reference: focus } }],
      },
    },
  ],
});

describe('adversarial: reserved sources', () => {
  it('a client holding the /events token cannot forge a clinflow.fhir change event (nor any clinflow.* source)', async () => {
    const forged = {
      server: 'http://evil.example/fhir',
      reference: 'MedicationRequest/1',
      resourceType: 'MedicationRequest',
      id: '1',
      interaction: 'create',
      origin: 'medplum',
      attributes: { status: 'active' },
      dedupeKey: 'x',
    };
    const res = await putEvents({
      Entries: [
        { Source: 'clinflow.fhir', DetailType: 'FHIR Resource Changed', Detail: JSON.stringify(forged) },
        { Source: 'CLINFLOW.reminders', DetailType: 'Medication Reminder Due', Detail: '{}' },
        { Source: 'lab.system', DetailType: 'Result Ready', Detail: '{"id":"r1"}' },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { FailedEntryCount: number; Entries: Record<string, string>[] };
    expect(body.FailedEntryCount).toBe(2);
    expect(body.Entries[0]?.ErrorCode).toBe('NotAuthorizedForSourceException');
    expect(body.Entries[1]?.ErrorCode).toBe('NotAuthorizedForSourceException');
    expect(body.Entries[2]?.EventId).toEqual(expect.any(String));
    expect(s.bus.events().map((e) => e.entry.Source)).toEqual(['lab.system']);
  });
});

describe('adversarial: FHIR notifications name only our source and FHIR types', () => {
  it('a reference on another server is refused (400), not rebound to the source', async () => {
    const res = await notify(r5('http://evil.example/fhir/Observation/1'));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics).toMatch(/another server/);
    expect(s.bus.events()).toHaveLength(0);
    // The same event on the source's own base is accepted (Observation: nothing routes on it, so no read-back).
    expect((await notify(r5('https://ehr.example.org/fhir/Observation/1'))).status).toBe(200);
    expect(details().map((d) => [d.server, d.reference])).toEqual([['https://ehr.example.org/fhir', 'Observation/1']]);
  });

  it('a resource type that is not FHIR R4 is refused (400) in a body, a focus and a path', async () => {
    const bad = [
      await notify({ resourceType: 'EvilThing', id: 'e1', meta: { versionId: '1' } }),
      await notify(r5('EvilThing/e1')),
      await fetch(`${s.url}/fhir/notify/ehr/EvilThing/e1`, { method: 'DELETE', headers: { Authorization: `Bearer ${EHR_TOKEN}` } }),
    ];
    for (const res of bad) {
      expect(res.status).toBe(400);
      expect(((await res.json()) as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics).toMatch(/EvilThing is not a FHIR R4 resource type/);
    }
    expect(s.bus.events()).toHaveLength(0);
  });
});

describe('adversarial: replays', () => {
  it('a replay of a signed body without meta.versionId is deduped; a different body is not', async () => {
    const raw = JSON.stringify({ resourceType: 'MedicationRequest', id: 'm1', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' } });
    for (let i = 0; i < 3; i++) expect((await medplum(raw)).status).toBe(200);
    expect(details()).toHaveLength(1);
    const stopped = JSON.stringify({ resourceType: 'MedicationRequest', id: 'm1', status: 'stopped', intent: 'order', subject: { reference: 'Patient/p1' } });
    expect((await medplum(stopped)).status).toBe(200);
    expect(details().map((d) => d.attributes.status)).toEqual(['active', 'stopped']);
  });

  it('Idempotency-Key on /events: a retry gets the first answer and publishes nothing; another body under the key is 422', async () => {
    const batch = { Entries: [{ Source: 'lab.system', DetailType: 'Result Ready', Detail: '{"id":"r1"}' }] };
    const first = await putEvents(batch, { 'Idempotency-Key': 'retry-me-1' });
    const firstBody = await first.text();
    const again = await putEvents(batch, { 'Idempotency-Key': 'retry-me-1' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstBody);
    expect(s.bus.events()).toHaveLength(1);
    const other = await putEvents({ Entries: [{ Source: 'lab.system', DetailType: 'Result Ready', Detail: '{"id":"r2"}' }] }, { 'Idempotency-Key': 'retry-me-1' });
    expect(other.status).toBe(422);
    // No key: every request publishes (PutEvents semantics).
    await putEvents(batch);
    expect(s.bus.events()).toHaveLength(2);
    expect((await putEvents(batch, { 'Idempotency-Key': 'bad key with spaces' })).status).toBe(400);
  });
});

describe('adversarial: dedupe across a restart', () => {
  it('a source with a dedupeId (the dev sandbox) dedupes across a restart whose base URL port changed', async () => {
    const sandboxConfig = (port: number): TriggerConfigInput => ({
      sources: { sandbox: { kind: 'medplum', baseUrl: `http://127.0.0.1:${port}/fhir`, dedupeId: 'sandbox', auth: { hmacSecret: SECRET } } },
    });
    const raw = JSON.stringify({ resourceType: 'MedicationRequest', id: 'm7', meta: { versionId: '3' }, status: 'active', intent: 'order' });
    const send = (srv: TestServer) =>
      fetch(`${srv.url}/fhir/notify/sandbox`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json', 'X-Medplum-Interaction': 'update', 'X-Signature': createHmac('sha256', SECRET).update(raw).digest('hex') },
        body: raw,
      });
    const first = await startTestServer(sandboxConfig(41001));
    expect((await send(first)).status).toBe(200);
    expect(first.bus.events()).toHaveLength(1);
    await first.stop(false);
    const again = await startTestServer(sandboxConfig(41002), { dir: first.dir });
    try {
      const res = await send(again);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics).toMatch(/0 event\(s\) published, 1 duplicate/);
      // Without the dedupeId the key would carry the base URL, and the restart would publish again.
      // (The capture table persists: the one event is the first run's.)
      expect(again.bus.events().map((e) => JSON.parse(e.entry.Detail ?? '{}').server)).toEqual(['http://127.0.0.1:41001/fhir']);
    } finally {
      await again.stop();
    }
  });
});
