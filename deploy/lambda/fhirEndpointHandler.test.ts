import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { FHIR_EVENT_DETAIL_TYPE, FHIR_EVENT_SOURCE, FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import type { FunctionUrlEvent } from './fhirEndpoint';
import { describeWithShared } from '../../test/support/sharedCorpus';
import { handler, resetFhirEndpointHandlerForTests } from './fhirEndpointHandler';

interface NotificationCase {
  name: string;
  request: { method: string; path: string; headers: Record<string, string>; body?: string };
  expect: { status: string; events?: { reference: string; interaction: string; versionId?: string }[] };
}

const events = mockClient(EventBridgeClient);
const secretsManager = mockClient(SecretsManagerClient);
const HMAC_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:medplum-hmac-XyZ';
const savedEnv = { ...process.env };

/** A function URL request (payload format 2.0) from a shared conformance case; headers lower-cased as Lambda delivers them. */
function urlEvent(c: NotificationCase, over: Partial<FunctionUrlEvent> = {}): FunctionUrlEvent {
  return {
    rawPath: c.request.path,
    headers: Object.fromEntries(Object.entries(c.request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    ...(c.request.body !== undefined ? { body: Buffer.from(c.request.body).toString('base64'), isBase64Encoded: true } : {}),
    requestContext: { http: { method: c.request.method } },
    ...over,
  };
}

beforeEach(() => {
  process.env = {
    ...savedEnv,
    CLINFLOW_BUS: 'clinflow-demo',
    CLINFLOW_SOURCES: JSON.stringify({ 'medplum-a': { kind: 'medplum', baseUrl: 'https://medplum.example.org/fhir', auth: { hmacSecret: HMAC_ARN } } }),
    CLINFLOW_ROUTING_ATTRIBUTES: JSON.stringify({ MedicationRequest: ['status', 'intent'] }),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIATEST',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
  resetFhirEndpointHandlerForTests();
  secretsManager.on(GetSecretValueCommand, { SecretId: HMAC_ARN }).resolves({ SecretString: 'medplum-secret-1' });
  events.on(PutEventsCommand).callsFake((i: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: i.Entries.map((_, n) => ({ EventId: `evt-${n}` })) }));
});
afterEach(() => {
  events.reset();
  secretsManager.reset();
});
afterAll(() => {
  process.env = savedEnv;
  events.restore();
  secretsManager.restore();
});

describeWithShared('conformance/fhir-notifications/cases.json', 'FHIR notification endpoint Lambda', (file) => {
  const cases = JSON.parse(readFileSync(file, 'utf8')) as NotificationCase[];
  const medplum = cases.find((c) => c.name === 'medplum-post')!;

  it('turns the signed Medplum notification into exactly one PutEvents with the FHIR change event', async () => {
    const res = await handler(urlEvent(medplum));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'information' }] });
    const calls = events.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entries = calls[0]!.args[0].input.Entries ?? [];
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    expect(entry).toMatchObject({ EventBusName: 'clinflow-demo', Source: FHIR_EVENT_SOURCE, DetailType: FHIR_EVENT_DETAIL_TYPE, Resources: ['MedicationRequest/med-123'] });
    expect(entry.Time).toBeInstanceOf(Date);
    const detail = FhirChangeDetail.parse(JSON.parse(entry.Detail!));
    const want = medplum.expect.events![0]!;
    expect(detail).toMatchObject({
      server: 'https://medplum.example.org/fhir',
      reference: want.reference,
      interaction: want.interaction,
      versionId: want.versionId,
      origin: 'medplum',
      attributes: { status: 'active', intent: 'order' },
    });
    // The event routes on attributes; the resource itself (PHI) never goes on the bus.
    expect(entry.Detail).not.toContain('Patient/pat-1');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('the same body as plain text (not base64) is accepted too', async () => {
    const res = await handler(urlEvent(medplum, { body: medplum.request.body!, isBase64Encoded: false }));
    expect(res.statusCode).toBe(200);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('refuses a bad signature with 401 and an OperationOutcome, and publishes nothing', async () => {
    const bad = urlEvent(medplum);
    bad.headers = { ...bad.headers, 'x-signature': '0'.repeat(64) };
    const res = await handler(bad);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toBe('application/fhir+json');
    expect(JSON.parse(res.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers bad input with 4xx, never 500: unknown source, wrong method, bad JSON', async () => {
    const unknown = await handler(urlEvent(medplum, { rawPath: '/fhir/notify/nobody' }));
    expect(unknown.statusCode).toBe(404);
    const get = await handler(urlEvent(medplum, { requestContext: { http: { method: 'GET' } } }));
    expect(get.statusCode).toBe(405);
    expect(get.headers.Allow).toBe('POST');
    const { createHmac } = await import('node:crypto');
    const body = '{"resourceType":';
    const sig = createHmac('sha256', 'medplum-secret-1').update(body).digest('hex');
    const broken = await handler(urlEvent(medplum, { body, isBase64Encoded: false, headers: { 'content-type': 'application/fhir+json', 'x-signature': sig } }));
    expect(broken.statusCode).toBe(400);
    expect(JSON.parse(broken.body)).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('answers 503 (so the sender retries) when EventBridge refuses the entry', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    const res = await handler(urlEvent(medplum));
    expect(res.statusCode).toBe(503);
    expect(res.headers['Retry-After']).toBe('5');
  });

  it('answers 503 without leaking the configuration when the secret cannot be read, and recovers on the next request', async () => {
    secretsManager.reset();
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
      .resolves({ SecretString: 'medplum-secret-1' });
    const first = await handler(urlEvent(medplum));
    expect(first.statusCode).toBe(503);
    expect(first.body).not.toContain('secretsmanager');
    expect((await handler(urlEvent(medplum))).statusCode).toBe(200);
  });
});
