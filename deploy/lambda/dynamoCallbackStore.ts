import { GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AsyncCallbackStore, CallbackEntry } from '../../tasks/human/callbackStore';

const isConditionFailure = (err: unknown): boolean => (err as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';

function entryOf(item: Record<string, AttributeValue> | undefined): CallbackEntry | undefined {
  if (!item?.task?.S || item.taskToken?.S === undefined) return undefined;
  return { task: item.task.S, server: item.server?.S ?? '', taskToken: item.taskToken.S, executionArn: item.executionArn?.S ?? '', stateName: item.stateName?.S ?? '' };
}

/**
 * The callback store on AWS: one item per Task (`task` is the partition key) in the stage's
 * `clinflow-<stage>-human-task-callbacks` table, with the semantics of the SQLite store. Claiming is
 * a conditional update, so two concurrent resumes cannot both get the token. The token is stored
 * as-is; the table is encrypted at rest (with the stage KMS key when configured) and the token is
 * never logged. Every call is asynchronous, hence AsyncCallbackStore.
 */
export function createDynamoCallbackStore(client: DynamoDBClient, tableName: string): AsyncCallbackStore {
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
              createdAt: { N: String(now) },
            },
            // On re-delivery the token is refreshed, but a token already used stays used.
            ConditionExpression: 'attribute_not_exists(usedAt)',
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
            ConditionExpression: 'attribute_exists(taskToken) AND attribute_not_exists(usedAt)',
            ExpressionAttributeValues: { ':now': { N: String(now) } },
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
        await client.send(
          new UpdateItemCommand({ TableName: tableName, Key: { task: { S: task } }, UpdateExpression: 'REMOVE usedAt', ConditionExpression: 'attribute_exists(taskToken)' }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    },
    async isPending(task) {
      const out = await client.send(new GetItemCommand({ TableName: tableName, Key: { task: { S: task } }, ConsistentRead: true, ProjectionExpression: 'taskToken, usedAt' }));
      return out.Item?.taskToken !== undefined && out.Item.usedAt === undefined;
    },
  };
}

