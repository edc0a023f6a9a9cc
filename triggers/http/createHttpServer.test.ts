import { createHmac } from 'node:crypto';
import { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import type { TriggerConfigInput } from '../../schemas/triggerConfig';
import { type TestServer, rawRequest, startTestServer } from './triggerTestServer.testkit';

const TOKEN = 'token-abc';
const SECRET = 'hmac-secret';
const config: TriggerConfigInput = {
  sources: {
    ehr: { kind: 'hapi', baseUrl: 'https://ehr.example.org/fhir/', auth: { bearerToken: TOKEN } },
    mp: { kind: 'medplum', baseUrl: 'https://medplum.example.org/fhir', auth: { hmacSecret: SECRET } },
  },
  routingAttributes: { MedicationRequest: ['status', 'intent'] },
  maxBodyBytes: 4096,
  events: { bearerTokens: ['events-token'] },
};
const order = (id: string, versionId: string, status = 'active') => ({ resourceType: 'MedicationRequest', id, meta: { versionId }, status, intent: 'order', subject: { reference: 'Patient/p1' } });
const auth = { Authorization: `Bearer ${TOKEN}` };
const json = { 'Content-Type': 'application/fhir+json' };

let s: TestServer;
beforeEach(async () => {
  s = await startTestServer(config);
});
afterEach(async () => {
  await s.stop();
});

const put = (id: string, body: unknown, headers: Record<string, string> = { ...auth, ...json }) =>
  fetch(`${s.url}/fhir/notify/ehr/MedicationRequest/${id}`, { method: 'PUT', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const details = () => s.bus.events().map((e) => FhirChangeDetail.parse(JSON.parse(e.entry.Detail ?? '')));
const dedupeRows = () => s.db.prepare('SELECT count(*) FROM trigger_dedupe').pluck().get();

async function expectRefused(res: Response | { status: number; body: string }, status: number, diagnostics: RegExp): Promise<void> {
  const text = 'text' in res && typeof res.text === 'function' ? await res.text() : (res as { body: string }).body;
  expect(res.status).toBe(status);
  const oo = JSON.parse(text);
  expect(oo.resourceType).toBe('OperationOutcome');
  expect(oo.issue[0].severity).toBe('error');
  expect(oo.issue[0].diagnostics).toMatch(diagnostics);
  expect(s.bus.events()).toHaveLength(0);
  expect(dedupeRows()).toBe(0);
  // ...and the server keeps serving.
  expect((await fetch(`${s.url}/health`)).status).toBe(200);
}

describe('FHIR notification endpoint over HTTP', () => {
  it('publishes a rest-hook PUT with routing attributes only, and the server without a trailing slash', async () => {
    const res = await put('m1', order('m1', '3'));
    expect(res.status).toBe(200);
    expect(details()).toEqual([
      expect.objectContaining({
        server: 'https://ehr.example.org/fhir',
        reference: 'MedicationRequest/m1',
        versionId: '3',
        interaction: 'update',
        origin: 'hapi-rest-hook',
        attributes: { status: 'active', intent: 'order' },
      }),
    ]);
  });

  it('routes through the real local bus: a rule on the routing attributes matches the active order only', async () => {
    const bus = s.localBus;
    if (!bus) throw new Error('expected the real bus');
    bus.putRule({
      Name: 'active-orders',
      EventPattern: JSON.stringify({ source: ['clinflow.fhir'], detail: { resourceType: ['MedicationRequest'], attributes: { status: ['active'], intent: ['order'] } } }),
    });
    bus.putTargets({ Rule: 'active-orders', Targets: [{ Id: 'sm', Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:reminders' }] });
    expect((await put('r1', order('r1', '1'))).status).toBe(200);
    expect((await put('r2', order('r2', '1', 'stopped'))).status).toBe(200);
    expect(s.db.prepare('SELECT count(*) FROM bus_events').pluck().get()).toBe(2);
    const owed = s.db.prepare('SELECT e.payload FROM bus_deliveries d JOIN bus_events e ON e.id = d.event_id').pluck().all() as string[];
    expect(owed.map((p) => (JSON.parse(p) as { detail: { reference: string } }).detail.reference)).toEqual(['MedicationRequest/r1']);
  });

  it("publishes HAPI's DELETE as a delete", async () => {
    const res = await fetch(`${s.url}/fhir/notify/ehr/MedicationRequest/m1`, { method: 'DELETE', headers: auth });
    expect(res.status).toBe(200);
    expect(details()).toEqual([expect.objectContaining({ reference: 'MedicationRequest/m1', interaction: 'delete', attributes: {} })]);
  });

  it('accepts a correctly signed Medplum POST', async () => {
    const body = JSON.stringify(order('m2', '1'));
    const sig = createHmac('sha256', SECRET).update(body).digest('hex');
    const res = await fetch(`${s.url}/fhir/notify/mp`, { method: 'POST', headers: { ...json, 'X-Signature': sig, 'X-Medplum-Interaction': 'create' }, body });
    expect(res.status).toBe(200);
    expect(details()).toEqual([expect.objectContaining({ server: 'https://medplum.example.org/fhir', interaction: 'create', origin: 'medplum' })]);
  });

  it('publishes one event for a duplicate delivered concurrently', async () => {
    const results = await Promise.all([put('m3', order('m3', '2')), put('m3', order('m3', '2')), put('m3', order('m3', '2'))]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(details()).toHaveLength(1);
    expect(s.http.router.metrics.get('clinflow_fhir_events_deduped_total', { origin: 'hapi-rest-hook' })).toBe(2);
  });

  it('answers 503 when the bus fails, records nothing, and publishes on the retry', async () => {
    s.bus.failNextCalls(1);
    await expectRefused(await put('m4', order('m4', '2')), 503, /bus is unavailable/);
    expect((await put('m4', order('m4', '2'))).status).toBe(200);
    expect(details()).toHaveLength(1);
  });

  it('refuses missing and wrong credentials with 401', async () => {
    await expectRefused(await put('m5', order('m5', '1'), json), 401, /missing bearer token/);
    await expectRefused(await put('m5', order('m5', '1'), { ...json, Authorization: 'Bearer nope' }), 401, /invalid bearer token/);
    const body = JSON.stringify(order('m5', '1'));
    await expectRefused(await fetch(`${s.url}/fhir/notify/mp`, { method: 'POST', headers: json, body }), 401, /X-Signature/);
  });

  it('refuses an unknown source with 404, a wrong method with 405', async () => {
    await expectRefused(await fetch(`${s.url}/fhir/notify/nobody`, { method: 'POST', headers: auth }), 404, /no notification source/);
    await expectRefused(await fetch(`${s.url}/fhir/notify/__proto__`, { method: 'POST', headers: auth }), 404, /no notification source/);
    const res = await fetch(`${s.url}/fhir/notify/ehr`, { method: 'GET', headers: auth });
    expect(res.headers.get('allow')).toBe('POST, PUT, DELETE');
    await expectRefused(res, 405, /GET is not allowed/);
    await expectRefused(await fetch(`${s.url}/elsewhere`), 404, /no such endpoint/);
  });

  it('refuses a body over the limit with 413 before reading it all, declared or chunked', async () => {
    const big = Buffer.alloc(64 * 1024, 0x20);
    await expectRefused(
      await rawRequest(`${s.url}/fhir/notify/ehr/MedicationRequest/m6`, { method: 'PUT', headers: { ...auth, ...json, 'Content-Length': big.length }, chunks: [big] }),
      413,
      /exceeds the limit of 4096/,
    );
    await expectRefused(
      await rawRequest(`${s.url}/fhir/notify/ehr/MedicationRequest/m6`, {
        method: 'PUT',
        headers: { ...auth, ...json, 'Transfer-Encoding': 'chunked' },
        chunks: [big.subarray(0, 3000), big.subarray(0, 3000)],
      }),
      413,
      /exceeds the limit/,
    );
  });

  it('a client still sending a refused body reads its 413 before the connection is reset', async () => {
    // The server closes the socket once the answer is written instead of draining the body.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${s.url}/fhir/notify/ehr/MedicationRequest/m6`, { method: 'PUT', headers: { ...auth, ...json }, body: Buffer.alloc(5 * 1024 * 1024, 0x20) });
      await expectRefused(res, 413, /exceeds the limit of 4096/);
    }
  });

  it('refuses a wrong content type with 415', async () => {
    await expectRefused(await put('m7', JSON.stringify(order('m7', '1')), { ...auth, 'Content-Type': 'application/fhir+xml' }), 415, /fhir\+xml is not supported/);
    await expectRefused(await put('m7', JSON.stringify(order('m7', '1')), { ...auth, 'Content-Type': 'application/fhir+json; charset=latin1' }), 415, /charset/);
  });

  it('refuses truncated JSON and a type that does not match the path with 400, saying what is wrong', async () => {
    await expectRefused(await put('m8', '{"resourceType":"MedicationRequest","id":'), 400, /not valid JSON/);
    const res = await put('m8', { ...order('m8', '1'), resourceType: 'Patient' });
    const text = await res.clone().text();
    expect(JSON.parse(text).issue[0].expression).toEqual(['Patient.resourceType']);
    await expectRefused(res, 400, /body is a Patient but the path names MedicationRequest/);
  });

  it('answers an empty notification from a source without polling queries with 422, storing nothing', async () => {
    await expectRefused(await fetch(`${s.url}/fhir/notify/ehr`, { method: 'POST', headers: auth }), 422, /no polling queries/);
  });

  it('never echoes the body or the token in a refusal', async () => {
    const res = await put('m9', '{"resourceType":"MedicationRequest","id":"m9","name":"Synthetic Secretname"', { ...json, Authorization: 'Bearer leaked-token' });
    const text = await res.text();
    expect(text).not.toContain('leaked-token');
    const res2 = await put('m9', '{"resourceType":"MedicationRequest","id":"m9","note":"Synthetic Secretname"');
    expect(await res2.text()).not.toContain('Secretname');
  });
});

describe('PutEvents endpoint', () => {
  const post = (body: unknown, token = 'events-token') =>
    fetch(`${s.url}/events`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('stores valid entries and answers per-entry results', async () => {
    const res = await post({
      Entries: [
        { Source: 'lab.system', DetailType: 'Result Ready', Detail: '{"id":"r1"}' },
        { Source: 'lab.system', DetailType: 'Result Ready', Detail: '{"id":' },
        { Source: 'lab.system', Detail: '{}' },
        { Source: 'lab.system', DetailType: 'Result Ready', Detail: '{"id":"r2"}', Time: '2025-03-09T14:00:00Z', Resources: ['x'] },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { FailedEntryCount: number; Entries: Record<string, unknown>[] };
    expect(body.FailedEntryCount).toBe(2);
    expect(body.Entries[0]?.EventId).toEqual(expect.any(String));
    expect(body.Entries[1]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(body.Entries[2]?.ErrorCode).toBe('InvalidArgument');
    expect(body.Entries[3]?.EventId).toEqual(expect.any(String));
    expect(s.bus.events().map((e) => e.entry.Detail)).toEqual(['{"id":"r1"}', '{"id":"r2"}']);
  });

  it('refuses bad tokens, empty and oversized batches', async () => {
    expect((await post({ Entries: [{ Source: 'a', DetailType: 'b', Detail: '{}' }] }, 'wrong')).status).toBe(401);
    expect((await post({ Entries: [] })).status).toBe(400);
    expect((await post({ Entries: Array.from({ length: 11 }, () => ({ Source: 'a', DetailType: 'b', Detail: '{}' })) })).status).toBe(400);
    expect((await post({ nope: 1 })).status).toBe(400);
    expect(s.bus.events()).toHaveLength(0);
  });
});

describe('health, metrics and shutdown', () => {
  it('reports readiness with the database check, and Prometheus metrics', async () => {
    await put('h1', order('h1', '1'));
    await put('h1', '{');
    const health = await (await fetch(`${s.url}/health`)).json();
    expect(health).toEqual({ status: 'ok', live: true, ready: true, checks: { database: true } });
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toContain('clinflow_trigger_requests_total{endpoint="fhir-notify",status="200"} 1');
    expect(text).toContain('clinflow_trigger_requests_total{endpoint="fhir-notify",status="400"} 1');
    expect(text).toContain('clinflow_fhir_events_published_total{origin="hapi-rest-hook"} 1');
    expect(text).toMatch(/clinflow_trigger_request_duration_seconds_count 2/);
  });

  it('finishes an in-flight request before closing, and refuses new connections after', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const busReached = new Promise<void>((r) => (reached = r));
    const slow = await startTestServer(config, {
      inner: () => ({
        putEvents: async (entries) => {
          reached();
          await gate;
          return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `slow-${i}` })) };
        },
      }),
    });
    try {
      const inFlight = fetch(`${slow.url}/fhir/notify/ehr/MedicationRequest/g1`, { method: 'PUT', headers: { ...auth, ...json }, body: JSON.stringify(order('g1', '1')) });
      await busReached; // the request is in flight, held at the bus
      const closing = slow.http.close();
      await expect(fetch(`${slow.url}/health`)).rejects.toThrow();
      release();
      expect((await inFlight).status).toBe(200);
      await closing;
      expect(slow.bus.events()).toHaveLength(1);
    } finally {
      release();
      await slow.stop();
    }
  });
});
