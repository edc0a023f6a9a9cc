import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { AwsClients } from '../aws/clients';
import { isNotFound } from '../aws/clients';
import type { DesiredResource } from '../desired';
import { CALLBACK_TTL_ATTRIBUTE, stageTags, tableArn } from '../names';
import type { DeployContext, ResourceOps } from './types';
import { diffFields, ownedBy, realSleep, tagList, tagsFromList } from './types';

type Desired = Extract<DesiredResource, { kind: 'table' }>;

/** SSE as DynamoDB reports it: KMS with the stage key, or the AWS-owned default (no SSEDescription). */
const wantSse = (d: Desired) => (d.kmsKeyArn ? { SSEType: 'KMS', KMSMasterKeyArn: d.kmsKeyArn } : undefined);

/** TTL and PITR can only be switched on an ACTIVE table; a new table is CREATING for a few seconds. */
const TABLE_ACTIVE_WAIT_SECONDS = 300;

/** ENABLING counts as done: asking again while DynamoDB is enabling it is refused. */
async function ttlEnabled(name: string, aws: AwsClients): Promise<boolean> {
  const ttl = (await aws.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
  return (ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING') && ttl.AttributeName === CALLBACK_TTL_ATTRIBUTE;
}

async function pitrEnabled(name: string, aws: AwsClients): Promise<boolean> {
  const backups = (await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name }))).ContinuousBackupsDescription;
  return backups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED';
}

/** Items expire on their `expiresAt` (epoch seconds, set by the callback store), so tokens do not live forever. */
const enableTtl = (name: string, aws: AwsClients) =>
  aws.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: CALLBACK_TTL_ATTRIBUTE } }));

/** Polls for continuous backups on a new table: about a minute in all, then apply stops and a re-run resumes. */
export const PITR_MAX_ATTEMPTS = 10;
const pitrDelayMs = (attempt: number): number => Math.min(2000 * attempt, 10_000);

/**
 * The table is the only record of which execution waits on which Task: it must survive a bad write
 * or delete. DynamoDB refuses PITR (ContinuousBackupsUnavailableException) until a new table's
 * continuous backups are ENABLED, which can lag ACTIVE, so this waits for that first.
 */
async function enablePitr(name: string, { aws, sleep = realSleep }: DeployContext): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const status = (await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name }))).ContinuousBackupsDescription?.ContinuousBackupsStatus;
    if (status === 'ENABLED') {
      try {
        await aws.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
        return;
      } catch (err) {
        if ((err as { name?: unknown } | null)?.name !== 'ContinuousBackupsUnavailableException' || attempt >= PITR_MAX_ATTEMPTS) throw err;
      }
    } else if (attempt >= PITR_MAX_ATTEMPTS) {
      const err = new Error(`continuous backups of ${name} are still ${status ?? 'unknown'}, so point-in-time recovery cannot be enabled yet`);
      err.name = 'ContinuousBackupsNotReady';
      throw err;
    }
    await sleep(pitrDelayMs(attempt));
  }
}

/** The callback-token table: one item per FHIR Task, keyed by `task` (string), billed per request, with TTL and PITR. */
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
    const changes = diffFields({
      BillingMode: [table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST'],
      SSE: [sse?.SSEType === 'KMS' ? { SSEType: 'KMS', KMSMasterKeyArn: sse.KMSMasterKeyArn } : undefined, wantSse(d)],
    });
    if (!(await ttlEnabled(d.name, aws))) changes.push('TTL');
    if (!(await pitrEnabled(d.name, aws))) changes.push('PITR');
    return { exists: true, changes };
  },
  async create(d, ctx) {
    const { aws, target } = ctx;
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
    // If either step fails, the re-run reads the table back without TTL/PITR and updates it: it converges.
    await waitUntilTableExists({ client: aws.dynamodb, maxWaitTime: TABLE_ACTIVE_WAIT_SECONDS }, { TableName: d.name });
    await enableTtl(d.name, aws);
    await enablePitr(d.name, ctx);
  },
  async update(d, ctx, changes) {
    const { aws } = ctx;
    if (changes.includes('BillingMode') || changes.includes('SSE')) {
      await aws.dynamodb.send(
        new UpdateTableCommand({
          TableName: d.name,
          ...(changes.includes('BillingMode') ? { BillingMode: 'PAY_PER_REQUEST' } : {}),
          ...(changes.includes('SSE') ? { SSESpecification: d.kmsKeyArn ? { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: d.kmsKeyArn } : { Enabled: false } } : {}),
        }),
      );
    }
    if (changes.includes('TTL') || changes.includes('PITR')) {
      await waitUntilTableExists({ client: aws.dynamodb, maxWaitTime: TABLE_ACTIVE_WAIT_SECONDS }, { TableName: d.name });
    }
    if (changes.includes('TTL')) await enableTtl(d.name, aws);
    if (changes.includes('PITR')) await enablePitr(d.name, ctx);
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
