import { GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { systemClock } from '../../core/clock/systemClock';
import type { AsyncCallbackStore, CallbackEntry } from '../../tasks/human/callbackStore';
import { CALLBACK_TTL_ATTRIBUTE } from '../names';

/** The table's TTL attribute (deploy/resources/table.ts enables TTL on it): epoch SECONDS, as DynamoDB TTL requires. */
export const EXPIRES_AT = CALLBACK_TTL_ATTRIBUTE;

/**
 * How long an item outlives its registration when nothing tighter is known. The store only knows the
 * registration time (not the state's timeout or heartbeat), and a Step Functions task token, like a
 * Standard execution, lives at most one year; 366 days covers a leap year, plus one day for clock skew.
 */
export const DEFAULT_CALLBACK_TTL_SECONDS = 367 * 24 * 60 * 60;

const isConditionFailure = (err: unknown): boolean => (err as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';

const epochSeconds = (ms: number): number => Math.floor(ms / 1000);

/** DynamoDB deletes expired items lazily (up to days later), so an item past its expiry counts as absent. */
const NOT_EXPIRED = `(attribute_not_exists(${EXPIRES_AT}) OR ${EXPIRES_AT} > :nowSeconds)`;

function expired(item: Record<string, AttributeValue> | undefined, nowMs: number): boolean {
  const at = item?.[EXPIRES_AT]?.N;
  return at !== undefined && Number(at) <= epochSeconds(nowMs);
}

function entryOf(item: Record<string, AttributeValue> | undefined): CallbackEntry | undefined {
  if (!item?.task?.S || item.taskToken?.S === undefined) return undefined;
  const until = item.untilStatus?.S;
  return {
    task: item.task.S,
    server: item.server?.S ?? '',
    taskToken: item.taskToken.S,
    executionArn: item.executionArn?.S ?? '',
    stateName: item.stateName?.S ?? '',
    // Items written before `until` existed resume on completed only, as they did then.
    until: until === 'accepted' || until === 'in-progress' ? until : 'completed',
  };
}

export interface DynamoCallbackStoreOptions {
  /** Seconds an item lives after it is written (the TTL bound); default DEFAULT_CALLBACK_TTL_SECONDS. */
  ttlSeconds?: number;
  /** Epoch milliseconds, for the reads that get no `now` (isPending); default the system clock. */
  now?: () => number;
}

/**
 * The callback store on AWS: one item per Task (`task` is the partition key) in the stage's
 * `clinflow-<stage>-human-task-callbacks` table, with the semantics of the SQLite store. Claiming is
 * a conditional update, so two concurrent resumes cannot both get the token. The token is stored
 * as-is; the table is encrypted at rest (with the stage KMS key when configured) and the token is
 * never logged. Every item carries `expiresAt` so DynamoDB TTL removes it; items written before
 * that attribute existed never expire. Every call is asynchronous, hence AsyncCallbackStore.
 */
export function createDynamoCallbackStore(client: DynamoDBClient, tableName: string, options: DynamoCallbackStoreOptions = {}): AsyncCallbackStore {
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_CALLBACK_TTL_SECONDS;
  const clock = options.now ?? (() => systemClock.now());
  return {
    async register(entry, now) {
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              task: { S: entry.task },
              server: { S: entry.server },
              taskToken: { S: entry.taskToken },
              executionArn: { S: entry.executionArn },
              stateName: { S: entry.stateName },
              untilStatus: { S: entry.until ?? 'completed' },
              createdAt: { N: String(now) },
              [EXPIRES_AT]: { N: String(epochSeconds(now) + ttlSeconds) },
            },
            // On re-delivery the token is refreshed, but a token already used stays used (until it expires: then it is absent).
            ConditionExpression: `attribute_not_exists(usedAt) OR ${EXPIRES_AT} <= :nowSeconds`,
            ExpressionAttributeValues: { ':nowSeconds': { N: String(epochSeconds(now)) } },
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    },
    async claim(task, now) {
      try {
        const out = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { task: { S: task } },
            UpdateExpression: 'SET usedAt = :now',
            ConditionExpression: `attribute_exists(taskToken) AND attribute_not_exists(usedAt) AND ${NOT_EXPIRED}`,
            ExpressionAttributeValues: { ':now': { N: String(now) }, ':nowSeconds': { N: String(epochSeconds(now)) } },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return entryOf(out.Attributes);
      } catch (err) {
        if (isConditionFailure(err)) return undefined;
        throw err;
      }
    },
    async release(task) {
      try {
        await client.send(new UpdateItemCommand({ TableName: tableName, Key: { task: { S: task } }, UpdateExpression: 'REMOVE usedAt', ConditionExpression: 'attribute_exists(taskToken)' }));
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    },
    async get(task) {
      const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { task: { S: task } }, ConsistentRead: true }));
      if (out.Item?.usedAt !== undefined || expired(out.Item, clock())) return undefined;
      return entryOf(out.Item);
    },
    async isPending(task) {
      const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { task: { S: task } }, ConsistentRead: true, ProjectionExpression: `taskToken, usedAt, ${EXPIRES_AT}` }));
      return out.Item?.taskToken !== undefined && out.Item.usedAt === undefined && !expired(out.Item, clock());
    },
  };
}
