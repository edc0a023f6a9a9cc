import { createHash } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CALLBACK_TTL_ATTRIBUTE } from '../names';

/** The table's partition key (deploy/resources/table.ts); callback items use a FHIR Task there. */
const PK = 'task';
const EXPIRES_AT = CALLBACK_TTL_ATTRIBUTE;

/** How long a published change's key blocks re-deliveries: FHIR servers retry within hours, not days. */
export const DEFAULT_DEDUPE_WINDOW_SECONDS = 24 * 60 * 60;
/**
 * How long a claim blocks before its PutEvents is known to have succeeded: Lambda's maximum timeout
 * (15 min) plus a minute, so a function that dies between claim and PutEvents blocks retries no longer.
 */
export const DEFAULT_PENDING_SECONDS = 16 * 60;

/** Claims on change keys, so a re-delivered notification is published once. */
export interface DedupeClaims {
  /** true: the caller owns the key and should publish; false: it was published (or is being) within the window. */
  claim(dedupeKey: string, nowMs: number): Promise<boolean>;
  /** The change is on the bus: hold the key for the whole window. */
  confirm(dedupeKey: string, nowMs: number): Promise<void>;
  /** The publish failed: free the key so the sender's retry is published. */
  release(dedupeKey: string): Promise<void>;
}

/**
 * The item key: a prefix no FHIR Task reference has, and a SHA-256 of the dedupe key, because the
 * key names a resource (and may carry identifiers); the raw key is never stored.
 */
export const dedupeItemKey = (dedupeKey: string): string => `dedupe#${createHash('sha256').update(dedupeKey).digest('hex')}`;

const epochSeconds = (ms: number): number => Math.floor(ms / 1000);
const isConditionFailure = (err: unknown): boolean => (err as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';

export interface DynamoDedupeOptions {
  windowSeconds?: number;
  pendingSeconds?: number;
}

/**
 * Dedupe items in the stage's callback table (which has TTL on `expiresAt`). A claim is a
 * conditional PutItem that succeeds only if no live item exists; DynamoDB deletes expired items
 * lazily, so an item past its `expiresAt` counts as absent.
 */
export function createDynamoDedupe(client: DynamoDBClient, tableName: string, options: DynamoDedupeOptions = {}): DedupeClaims {
  const windowSeconds = options.windowSeconds ?? DEFAULT_DEDUPE_WINDOW_SECONDS;
  const pendingSeconds = options.pendingSeconds ?? DEFAULT_PENDING_SECONDS;
  const put = (dedupeKey: string, nowMs: number, seconds: number) => ({
    TableName: tableName,
    Item: { [PK]: { S: dedupeItemKey(dedupeKey) }, [EXPIRES_AT]: { N: String(epochSeconds(nowMs) + seconds) } },
  });
  return {
    async claim(dedupeKey, nowMs) {
      try {
        await client.send(
          new PutItemCommand({
            ...put(dedupeKey, nowMs, pendingSeconds),
            ConditionExpression: `attribute_not_exists(${PK}) OR ${EXPIRES_AT} <= :nowSeconds`,
            ExpressionAttributeValues: { ':nowSeconds': { N: String(epochSeconds(nowMs)) } },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },
    async confirm(dedupeKey, nowMs) {
      await client.send(new PutItemCommand(put(dedupeKey, nowMs, windowSeconds)));
    },
    async release(dedupeKey) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { [PK]: { S: dedupeItemKey(dedupeKey) } } }));
    },
  };
}
