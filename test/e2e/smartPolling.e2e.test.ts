/**
 * Triggers read from an EHR with the same FHIR client as tasks (core/fhir): a source that requires
 * SMART Backend Services can be polled and read back, the token is cached and refreshed on a 401,
 * and nothing is sent to another origin. Against the sandbox, a real FHIR server over HTTP.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { FhirError } from '../../schemas/errors';
import { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import { SourceConfig, type SourceConfig as Source } from '../../schemas/triggerConfig';
import { CaptureBus } from '../../triggers/conformance/captureBus';
import { ChangePublisher } from '../../triggers/fhir/changePublisher';
import { FhirPoller } from '../../triggers/fhir/fhirPoller';
import { RoutingAttributeExtractor } from '../../triggers/fhir/routingAttributes';
import { SourceReaders, sourceReader } from '../../triggers/fhir/sourceReader';

let sandbox: Sandbox;
let privateJwk: { kty: string };
let db: Db;
const STATIC = 'static-outbound-token-3141';

beforeAll(async () => {
  const pair = await generateKeyPair('RS384', { extractable: true });
  const priv = await exportJWK(pair.privateKey);
  privateJwk = { ...priv, kty: priv.kty ?? '' };
  sandbox = await startSandbox({
    seed: { patients: 3 },
    auth: { bearerTokens: [STATIC], tokenLifetimeSeconds: 120, smartClients: [{ clientId: 'clinflow-poller', publicJwk: { ...(await exportJWK(pair.publicKey)), alg: 'RS384' } }] },
  });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  db = openDatabase(':memory:');
});
afterEach(() => db.close());

const smartSource = (): Source =>
  SourceConfig.parse({
    kind: 'fhir',
    baseUrl: sandbox.baseUrl,
    auth: { bearerToken: 'inbound' },
    outboundAuth: { type: 'smart-backend', clientId: 'clinflow-poller', privateKey: privateJwk, alg: 'RS384' },
    polling: { queries: ['MedicationRequest'], startFrom: '2000-01-01T00:00:00Z' },
  });

describe('reading back from a SMART-protected source', () => {
  it('polls with a SMART token fetched once, and publishes every order', async () => {
    const bus = new CaptureBus(db);
    const publisher = new ChangePublisher(db, bus, new RoutingAttributeExtractor({ MedicationRequest: ['status'] }), { now: Date.now });
    const issued = sandbox.smart.issuedCount;
    const poller = new FhirPoller({ ehr: smartSource() }, { db, publisher, clock: { now: Date.now } });
    const outcome = await poller.pollNow('ehr');
    const orders = sandbox.seed?.medicationRequests.length ?? 0;
    expect(orders).toBeGreaterThan(0);
    expect(outcome.published).toBe(orders);
    expect(bus.events().map((e) => FhirChangeDetail.parse(JSON.parse(e.entry.Detail ?? '')).resourceType)).toEqual(Array(orders).fill('MedicationRequest'));
    await poller.pollNow('ehr');
    expect(sandbox.smart.issuedCount).toBe(issued + 1);
    await poller.stop();
  });

  it('a 401 (token revoked) fetches a new token and retries once; a static token is not retried', async () => {
    const readers = new SourceReaders();
    const reader = readers.for(smartSource());
    expect((await reader.get('Patient?_count=1')).status).toBe(200);
    const issued = sandbox.smart.issuedCount;
    sandbox.faults.failNext(1, { status: 401 });
    const again = await reader.get('Patient?_count=1');
    expect(again.status).toBe(200);
    expect(sandbox.smart.issuedCount).toBe(issued + 1);

    const bearer = sourceReader(SourceConfig.parse({ kind: 'fhir', baseUrl: sandbox.baseUrl, auth: { bearerToken: 'inbound' }, outboundBearerToken: STATIC }));
    expect((await bearer.get('Patient?_count=1')).status).toBe(200);
    sandbox.faults.failNext(1, { status: 401 });
    expect((await bearer.get('Patient?_count=1')).status).toBe(401);
    const anonymous = sourceReader(SourceConfig.parse({ kind: 'fhir', baseUrl: sandbox.baseUrl, auth: { bearerToken: 'inbound' } }));
    expect((await anonymous.get('Patient?_count=1')).status).toBe(401);
  });

  it('refuses a URL on another origin before sending anything, and refuses a source with two outbound credentials', async () => {
    const reader = sourceReader(smartSource());
    const before = sandbox.smart.issuedCount;
    const err = await reader.get('https://elsewhere.example.org/fhir/Patient').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FhirError);
    expect((err as FhirError).error).toBe('FHIR.Invalid');
    expect(sandbox.smart.issuedCount).toBe(before);
    const both = SourceConfig.safeParse({ ...smartSource(), outboundBearerToken: STATIC });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]?.message).toMatch(/outboundAuth or outboundBearerToken, not both/);
  });
});
