import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, ListTablesCommand, ListTagsOfResourceCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { isNotFound } from '../aws/clients';
import type { DesiredResource } from '../desired';
import { stageTags, tableArn } from '../names';
import type { ResourceOps } from './types';
import { diffFields, ownedBy, tagList, tagsFromList } from './types';

type Desired = Extract<DesiredResource, { kind: 'table' }>;

/** SSE as DynamoDB reports it: KMS with the stage key, or the AWS-owned default (no SSEDescription). */
const wantSse = (d: Desired) => (d.kmsKeyArn ? { SSEType: 'KMS', KMSMasterKeyArn: d.kmsKeyArn } : undefined);

/** The callback-token table: one item per FHIR Task, keyed by `task` (string), billed per request. */
export const tableOps: ResourceOps<'table'> = {
  async read(d, { aws }) {
    let table;
    try {
      table = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: d.name }))).Table;
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
    const sse = table?.SSEDescription;
    return {
      exists: true,
      changes: diffFields({
        BillingMode: [table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST'],
        SSE: [sse?.SSEType === 'KMS' ? { SSEType: 'KMS', KMSMasterKeyArn: sse.KMSMasterKeyArn } : undefined, wantSse(d)],
      }),
    };
  },
  async create(d, { aws, target }) {
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: d.name,
        AttributeDefinitions: [{ AttributeName: 'task', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'task', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        ...(d.kmsKeyArn ? { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: d.kmsKeyArn } } : {}),
        Tags: tagList(stageTags(target)),
      }),
    );
  },
  async update(d, { aws }, changes) {
    await aws.dynamodb.send(
      new UpdateTableCommand({
        TableName: d.name,
        ...(changes.includes('BillingMode') ? { BillingMode: 'PAY_PER_REQUEST' } : {}),
        ...(changes.includes('SSE') ? { SSESpecification: d.kmsKeyArn ? { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: d.kmsKeyArn } : { Enabled: false } } : {}),
      }),
    );
  },
  async listOwned({ aws, target }) {
    const names: string[] = [];
    let ExclusiveStartTableName: string | undefined;
    do {
      const page = await aws.dynamodb.send(new ListTablesCommand(ExclusiveStartTableName ? { ExclusiveStartTableName } : {}));
      for (const name of page.TableNames ?? []) {
        if (!name.startsWith(`clinflow-${target.stage}-`)) continue;
        const tags = tagsFromList((await aws.dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn(target, name) }))).Tags);
        if (ownedBy(tags, target)) names.push(name);
      }
      ExclusiveStartTableName = page.LastEvaluatedTableName;
    } while (ExclusiveStartTableName);
    return names.sort();
  },
  async remove(name, { aws }) {
    await aws.dynamodb.send(new DeleteTableCommand({ TableName: name }));
  },
};
