import { createServer } from 'node:net';
import { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import { type Sandbox, startSandbox } from '../../sandbox/startSandbox';
import { type TestServer, startTestServer } from './triggerTestServer.testkit';

const SECRET = 'sandbox-hmac-secret';
const FHIR_TOKEN = 'sandbox-token';

/** A free loopback port, so the sandbox can be told where to notify before our server starts. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('notifications from the FHIR sandbox (Medplum rest-hook format, real HTTP both ways)', () => {
  let sandbox: Sandbox;
  let s: TestServer;

  beforeAll(async () => {
    const port = await freePort();
    sandbox = await startSandbox({ port: 0, seed: false, auth: { bearerTokens: [FHIR_TOKEN] }, notify: { url: `http://127.0.0.1:${port}/fhir/notify/sandbox`, secret: SECRET } });
    s = await startTestServer(
      {
        sources: {
          sandbox: { kind: 'medplum', baseUrl: sandbox.baseUrl, auth: { hmacSecret: SECRET } },
          'sandbox-poll': {
            kind: 'fhir',
            baseUrl: sandbox.baseUrl,
            auth: { bearerToken: 'unused' },
            outboundBearerToken: FHIR_TOKEN,
            polling: { queries: ['MedicationRequest'], startFrom: '2000-01-01T00:00:00Z' },
          },
        },
        routingAttributes: { MedicationRequest: ['status', 'intent'] },
      },
      { port },
    );
  }, 60_000);
  afterAll(async () => {
    await sandbox?.close();
    await s?.stop();
  });

  const fhir = (method: string, path: string, body?: unknown) =>
    fetch(`${sandbox.baseUrl}/${path}`, {
      method,
      headers: { Authorization: `Bearer ${FHIR_TOKEN}`, 'Content-Type': 'application/fhir+json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const details = () => s.bus.events().map((e) => FhirChangeDetail.parse(JSON.parse(e.entry.Detail ?? '')));

  it('publishes create, update and delete with routing attributes; polling the same server dedupes against them', async () => {
    const order = { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/pat-1' }, medicationCodeableConcept: { text: 'synthetic' } };
    const created = (await (await fhir('POST', 'MedicationRequest', order)).json()) as { id: string };
    expect((await fhir('PUT', `MedicationRequest/${created.id}`, { ...order, id: created.id, status: 'stopped' })).status).toBe(200);
    await sandbox.notifications.drain();
    expect(sandbox.notifications.deliveries.map((d) => d.status)).toEqual([200, 200]);

    const reference = `MedicationRequest/${created.id}`;
    expect(details().map((d) => [d.reference, d.versionId, d.interaction, d.origin, d.attributes, d.server])).toEqual([
      [reference, '1', 'create', 'medplum', { status: 'active', intent: 'order' }, sandbox.baseUrl],
      [reference, '2', 'update', 'medplum', { status: 'stopped', intent: 'order' }, sandbox.baseUrl],
    ]);

    // Version 2 was already published from the notification: the poll finds it and dedupes it.
    const polled = await s.http.router.poller.pollNow('sandbox-poll');
    expect(polled).toMatchObject({ changes: 1, published: 0, deduped: 1 });

    expect((await fhir('DELETE', reference)).status).toBeLessThan(300);
    await sandbox.notifications.drain();
    expect(sandbox.notifications.deliveries.at(-1)?.status).toBe(200);
    expect(details().at(-1)).toMatchObject({ reference, interaction: 'delete', origin: 'medplum' });
  }, 60_000);
});
