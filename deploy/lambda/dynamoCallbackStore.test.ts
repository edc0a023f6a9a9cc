import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createDynamoCallbackStore, DEFAULT_CALLBACK_TTL_SECONDS } from './dynamoCallbackStore';
import { emulateCallbackTable, evaluateCondition } from './dynamoTable.testkit';

const dynamo = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const TABLE = 'clinflow-demo-human-task-callbacks';
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0, 250); // ms; not a whole second on purpose
const entry = {
  task: 'Task/t1',
  server: 'https://fhir.example.test/r4',
  taskToken: 'synthetic-token-1',
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:x:1',
  stateName: 'Review',
  until: 'accepted' as const,
};

afterAll(() => dynamo.restore());
beforeEach(() => dynamo.reset());

function store(now: { ms: number }, ttlSeconds?: number) {
  return createDynamoCallbackStore(client, TABLE, { now: () => now.ms, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
}

describe('evaluateCondition (the test kit the store is checked against)', () => {
  it('follows DynamoDB: a comparison with a missing attribute is false, AND binds tighter than OR', () => {
    expect(evaluateCondition('expiresAt > :n', {}, { ':n': { N: '1' } })).toBe(false);
    expect(evaluateCondition('attribute_not_exists(usedAt) OR expiresAt <= :n', { usedAt: { N: '1' } }, { ':n': { N: '5' } })).toBe(false);
    expect(evaluateCondition('attribute_not_exists(usedAt) OR expiresAt <= :n', { usedAt: { N: '1' }, expiresAt: { N: '5' } }, { ':n': { N: '5' } })).toBe(true);
    expect(evaluateCondition('attribute_exists(a) AND attribute_exists(b) OR attribute_exists(c)', { c: { S: 'x' } }, undefined)).toBe(true);
  });
});

describe('DynamoDB callback store: until and get', () => {
  it('get returns the pending entry with its until status without claiming it; an item written before until existed resumes on completed', async () => {
    const items = emulateCallbackTable(dynamo);
    const s = store({ ms: T0 });
    await s.register(entry, T0);
    expect(await s.get('Task/t1')).toEqual(entry);
    expect(await s.isPending('Task/t1')).toBe(true);
    const { untilStatus: _u, ...older } = items.get('Task/t1')!;
    items.set('Task/t1', older);
    expect(await s.get('Task/t1')).toEqual({ ...entry, until: 'completed' });
    await s.claim('Task/t1', T0 + 1);
    expect(await s.get('Task/t1')).toBeUndefined();
  });
});

describe('DynamoDB callback store: expiry (TTL)', () => {
  it('writes expiresAt in epoch SECONDS, one year and two days past registration by default', async () => {
    emulateCallbackTable(dynamo);
    await store({ ms: T0 }).register(entry, T0);
    const put = dynamo.commandCalls(PutItemCommand)[0]!.args[0].input;
    const seconds = Math.floor(T0 / 1000);
    expect(put).toEqual({
      TableName: TABLE,
      Item: {
        task: { S: 'Task/t1' },
        server: { S: entry.server },
        taskToken: { S: entry.taskToken },
        executionArn: { S: entry.executionArn },
        stateName: { S: 'Review' },
        untilStatus: { S: 'accepted' },
        createdAt: { N: String(T0) },
        expiresAt: { N: String(seconds + 367 * 86400) },
      },
      ConditionExpression: 'attribute_not_exists(usedAt) OR expiresAt <= :nowSeconds',
      ExpressionAttributeValues: { ':nowSeconds': { N: String(seconds) } },
    });
    // Longer than the longest legitimate wait: a token (and a Standard execution) lives at most a year.
    expect(DEFAULT_CALLBACK_TTL_SECONDS).toBeGreaterThan(366 * 86400);
  });

  it('honours a configured TTL', async () => {
    const items = emulateCallbackTable(dynamo);
    await store({ ms: T0 }, 3600).register(entry, T0);
    expect(items.get('Task/t1')!.expiresAt).toEqual({ N: String(Math.floor(T0 / 1000) + 3600) });
  });

  it('treats an expired item that DynamoDB has not deleted yet as absent: not pending, not claimable', async () => {
    const items = emulateCallbackTable(dynamo);
    const now = { ms: T0 };
    const s = store(now, 60);
    await s.register(entry, T0);
    now.ms = T0 + 59_000;
    expect(await s.isPending('Task/t1')).toBe(true);
    now.ms = T0 + 60_000;
    expect(await s.isPending('Task/t1')).toBe(false);
    expect(await s.claim('Task/t1', now.ms)).toBeUndefined();
    expect(items.get('Task/t1')!.usedAt).toBeUndefined(); // the refused claim wrote nothing
    expect(items.has('Task/t1')).toBe(true); // still there: only the reader's view changed
    expect(dynamo.commandCalls(GetItemCommand).at(-1)!.args[0].input.ProjectionExpression).toBe('taskToken, usedAt, expiresAt');
  });

  it('claims a live token exactly once and a re-delivery cannot revive a used one until it expires', async () => {
    const items = emulateCallbackTable(dynamo);
    const now = { ms: T0 };
    const s = store(now, 60);
    await s.register(entry, T0);
    expect(await s.claim('Task/t1', T0 + 1000)).toEqual(entry);
    expect(await s.claim('Task/t1', T0 + 2000)).toBeUndefined();
    expect(dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { task: { S: 'Task/t1' } },
      UpdateExpression: 'SET usedAt = :now',
      ConditionExpression: 'attribute_exists(taskToken) AND attribute_not_exists(usedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :nowSeconds)',
      ExpressionAttributeValues: { ':now': { N: String(T0 + 1000) }, ':nowSeconds': { N: String(Math.floor((T0 + 1000) / 1000)) } },
      ReturnValues: 'ALL_NEW',
    });
    // Re-delivery while the used item is live: refused (the token stays used).
    await s.register({ ...entry, taskToken: 'synthetic-token-2' }, T0 + 3000);
    expect(items.get('Task/t1')!.taskToken).toEqual({ S: 'synthetic-token-1' });
    // Once expired the item is absent to readers, so a new registration replaces it.
    now.ms = T0 + 61_000;
    await s.register({ ...entry, taskToken: 'synthetic-token-3' }, now.ms);
    expect(items.get('Task/t1')!.taskToken).toEqual({ S: 'synthetic-token-3' });
    expect(await s.isPending('Task/t1')).toBe(true);
  });

  it('keeps items written before expiresAt existed: they never expire', async () => {
    const items = emulateCallbackTable(dynamo);
    items.set('Task/old', { task: { S: 'Task/old' }, server: { S: '' }, taskToken: { S: 'synthetic-old' }, executionArn: { S: 'e' }, stateName: { S: 's' }, createdAt: { N: '1' } });
    const s = store({ ms: T0 });
    expect(await s.isPending('Task/old')).toBe(true);
    expect((await s.claim('Task/old', T0))?.taskToken).toBe('synthetic-old');
  });
});
