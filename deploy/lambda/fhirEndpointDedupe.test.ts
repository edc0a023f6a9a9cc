import { createHmac } from 'node:crypto';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { Logger } from '../../schemas/ports';
import { TriggerConfig } from '../../schemas/triggerConfig';
import { RoutingAttributeExtractor } from '../../triggers/fhir/routingAttributes';
import { awsBusPort } from '../aws/ports/awsBusPort';
import { emulateCallbackTable } from './dynamoTable.testkit';
import { createDynamoDedupe, DEFAULT_DEDUPE_WINDOW_SECONDS, DEFAULT_PENDING_SECONDS, dedupeItemKey } from './dynamoDedupe';
import { createFhirEndpoint, type FunctionUrlEvent } from './fhirEndpoint';
import { handler, resetFhirEndpointHandlerForTests } from './fhirEndpointHandler';

const TABLE = 'clinflow-demo-human-task-callbacks';
const SECRET = 'synthetic-hmac-secret';
const BASE = 'https://medplum.example.org/fhir';
const creds = { region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } };

const dynamo = mockClient(DynamoDBClient);
const events = mockClient(EventBridgeClient);
let items: Map<string, Record<string, AttributeValue>>;
let nowMs: number;
const warnings: string[] = [];
const log: Logger = { debug: () => {}, info: () => {}, warn: (_o, msg) => void warnings.push(msg ?? ''), error: () => {} };

/** A signed Medplum notification about a synthetic MedicationRequest version. */
function notification(id: string, versionId: string): FunctionUrlEvent {
  const body = JSON.stringify({ resourceType: 'MedicationRequest', id, meta: { versionId }, status: 'active', intent: 'order', subject: { reference: 'Patient/synthetic-1' } });
  return {
    rawPath: '/fhir/notify/medplum-a',
    headers: { 'content-type': 'application/fhir+json', 'x-medplum-interaction': 'update', 'x-signature': createHmac('sha256', SECRET).update(body).digest('hex') },
    body,
    requestContext: { http: { method: 'POST' } },
  };
}

function endpoint() {
  const config = TriggerConfig.parse({ sources: { 'medplum-a': { kind: 'medplum', baseUrl: BASE, auth: { hmacSecret: SECRET } } }, routingAttributes: { MedicationRequest: ['status'] } });
  return createFhirEndpoint({
    bus: awsBusPort(new EventBridgeClient(creds), 'clinflow-demo'),
    clock: { now: () => nowMs },
    log,
    config: () => Promise.resolve({ config, extractor: new RoutingAttributeExtractor(config.routingAttributes) }),
    dedupe: createDynamoDedupe(new DynamoDBClient(creds), TABLE),
  });
}

/** The entries EventBridge accepted (`reference@versionId`), over every PutEvents call that did not fail. */
const delivered = (): string[] =>
  events
    .commandCalls(PutEventsCommand)
    .filter((_, n) => !failedCalls.has(n))
    .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.Detail!) as { reference: string; versionId: string }))
    .map((d) => `${d.reference}@${d.versionId}`);
const failedCalls = new Set<number>();
let putEventsCall = 0;
/** Makes the next PutEvents call fail, either by throwing or by refusing its entries. */
function failNextPutEvents(how: 'throw' | 'refuse'): void {
  failedCalls.add(putEventsCall);
  const n = putEventsCall;
  events.on(PutEventsCommand).callsFake((i: { Entries: unknown[] }) => {
    if (putEventsCall++ === n) {
      if (how === 'throw') throw Object.assign(new Error('bus unavailable'), { name: 'InternalException' });
      return { FailedEntryCount: i.Entries.length, Entries: i.Entries.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'x' })) };
    }
    return { FailedEntryCount: 0, Entries: i.Entries.map((_, k) => ({ EventId: `evt-${k}` })) };
  });
}

beforeEach(() => {
  dynamo.reset();
  events.reset();
  failedCalls.clear();
  putEventsCall = 0;
  warnings.length = 0;
  nowMs = Date.UTC(2026, 0, 10, 12, 0, 0);
  items = emulateCallbackTable(dynamo);
  dynamo.on(DeleteItemCommand).callsFake((i: { Key: { task: { S: string } } }) => {
    items.delete(i.Key.task.S);
    return {};
  });
  events.on(PutEventsCommand).callsFake((i: { Entries: unknown[] }) => {
    putEventsCall++;
    return { FailedEntryCount: 0, Entries: i.Entries.map((_, k) => ({ EventId: `evt-${k}` })) };
  });
});
afterAll(() => {
  dynamo.restore();
  events.restore();
});

describe('FHIR endpoint Lambda: dedupe of re-delivered notifications', () => {
  it('publishes the same notification once, answers the retry 2xx, and stores only a hash with a 24 h expiry', async () => {
    const handle = endpoint();
    const first = await handle(notification('med-dd-1', '1'));
    const retry = await handle(notification('med-dd-1', '1'));
    expect([first.statusCode, retry.statusCode]).toEqual([200, 200]);
    expect(JSON.parse(retry.body)).toMatchObject({ issue: [{ diagnostics: expect.stringContaining('0 event(s) published, 1 duplicate(s) ignored') as unknown }] });
    expect(delivered()).toEqual(['MedicationRequest/med-dd-1@1']);
    expect([...items.keys()]).toEqual([dedupeItemKey(`${BASE}|MedicationRequest/med-dd-1|1`)]);
    expect([...items.keys()][0]).toMatch(/^dedupe#[0-9a-f]{64}$/);
    const item = [...items.values()][0]!;
    expect(item).toEqual({ task: { S: [...items.keys()][0] }, expiresAt: { N: String(nowMs / 1000 + DEFAULT_DEDUPE_WINDOW_SECONDS) } });
    expect(JSON.stringify(item)).not.toMatch(/med-dd|Patient|medplum/);
  });

  it('publishes different notifications (another version, another resource) each once', async () => {
    const handle = endpoint();
    for (const [id, v] of [
      ['med-dd-1', '1'],
      ['med-dd-1', '2'],
      ['med-dd-2', '1'],
      ['med-dd-1', '2'],
    ] as const)
      expect((await handle(notification(id, v))).statusCode).toBe(200);
    expect(delivered()).toEqual(['MedicationRequest/med-dd-1@1', 'MedicationRequest/med-dd-1@2', 'MedicationRequest/med-dd-2@1']);
    expect(items.size).toBe(3);
  });

  it('concurrent deliveries of one notification publish once', async () => {
    const handle = endpoint();
    const results = await Promise.all([handle(notification('med-dd-3', '1')), handle(notification('med-dd-3', '1'))]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(delivered()).toEqual(['MedicationRequest/med-dd-3@1']);
  });

  it.each(['throw', 'refuse'] as const)('a PutEvents failure (%s) answers 503 and frees the claim, so the retry is delivered exactly once', async (how) => {
    const handle = endpoint();
    failNextPutEvents(how);
    const failed = await handle(notification('med-dd-4', '1'));
    expect(failed.statusCode).toBe(503);
    expect(items.size).toBe(0);
    expect(dynamo.commandCalls(DeleteItemCommand)).toHaveLength(1);
    expect((await handle(notification('med-dd-4', '1'))).statusCode).toBe(200);
    expect((await handle(notification('med-dd-4', '1'))).statusCode).toBe(200);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(2);
    expect(delivered()).toEqual(['MedicationRequest/med-dd-4@1']);
  });

  it('delivers again once the dedupe item has expired, though DynamoDB has not deleted it yet', async () => {
    const handle = endpoint();
    await handle(notification('med-dd-5', '1'));
    nowMs += (DEFAULT_DEDUPE_WINDOW_SECONDS - 1) * 1000;
    await handle(notification('med-dd-5', '1'));
    expect(delivered()).toHaveLength(1);
    nowMs += 1000;
    await handle(notification('med-dd-5', '1'));
    expect(delivered()).toEqual(['MedicationRequest/med-dd-5@1', 'MedicationRequest/med-dd-5@1']);
    // The new delivery holds a fresh window.
    await handle(notification('med-dd-5', '1'));
    expect(delivered()).toHaveLength(2);
  });

  it('a claim whose function died before PutEvents blocks retries only for the pending window', async () => {
    const handle = endpoint();
    const dedupe = createDynamoDedupe(new DynamoDBClient(creds), TABLE);
    expect(await dedupe.claim(`${BASE}|MedicationRequest/med-dd-6|1`, nowMs)).toBe(true);
    await handle(notification('med-dd-6', '1'));
    expect(delivered()).toEqual([]);
    nowMs += DEFAULT_PENDING_SECONDS * 1000;
    expect((await handle(notification('med-dd-6', '1'))).statusCode).toBe(200);
    expect(delivered()).toEqual(['MedicationRequest/med-dd-6@1']);
  });

  it('publishes without dedupe (a possible duplicate, never a loss) when DynamoDB fails', async () => {
    const handle = endpoint();
    dynamo.on(PutItemCommand).rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    expect((await handle(notification('med-dd-7', '1'))).statusCode).toBe(200);
    expect(delivered()).toEqual(['MedicationRequest/med-dd-7@1']);
    expect(warnings).toContain('dedupe claim failed; publishing without dedupe');
  });
});

describe('FHIR endpoint handler: dedupe wiring from the environment', () => {
  const savedEnv = { ...process.env };
  const env = (table?: string) => {
    process.env = {
      ...savedEnv,
      CLINFLOW_BUS: 'clinflow-demo',
      CLINFLOW_SOURCES: JSON.stringify({ 'medplum-a': { kind: 'medplum', baseUrl: BASE, auth: { hmacSecret: SECRET } } }),
      CLINFLOW_ROUTING_ATTRIBUTES: '{}',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIATEST',
      AWS_SECRET_ACCESS_KEY: 'test',
      ...(table ? { CLINFLOW_CALLBACK_TABLE: table } : {}),
    };
    resetFhirEndpointHandlerForTests();
  };
  afterAll(() => {
    process.env = savedEnv;
    resetFhirEndpointHandlerForTests();
  });

  it('claims in the table named by CLINFLOW_CALLBACK_TABLE, so a retry is not published', async () => {
    env(TABLE);
    expect((await handler(notification('med-dd-8', '1'))).statusCode).toBe(200);
    expect((await handler(notification('med-dd-8', '1'))).statusCode).toBe(200);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(1);
    expect(new Set(dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input.TableName))).toEqual(new Set([TABLE]));
  });

  it('without a table every delivery publishes and DynamoDB is never called', async () => {
    env();
    await handler(notification('med-dd-9', '1'));
    await handler(notification('med-dd-9', '1'));
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(2);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
