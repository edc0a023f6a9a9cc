import type { LoggingConfiguration } from '@aws-sdk/client-sfn';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  ListStateMachineVersionsCommand,
  ListTagsForResourceCommand,
  PublishStateMachineVersionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import type { AwsClients } from '../aws/clients';
import { isNotFound } from '../aws/clients';
import type { DesiredResource } from '../desired';
import type { Target } from '../names';
import { LIVE_ALIAS, logGroupArn, roleArn, stageTags } from '../names';
import { canonical } from '../policy';
import type { ResourceOps } from './types';
import { diffFields, ownedBy } from './types';

type Desired = Extract<DesiredResource, { kind: 'stateMachine' }>;

const arnOf = (t: Target, name: string): string => `arn:aws:states:${t.region}:${t.account}:stateMachine:${name}`;

/** Execution data (PHI) never goes to CloudWatch: only state transitions and errors are logged. */
function logging(t: Target, d: Desired): LoggingConfiguration {
  return { level: 'ERROR', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: `${logGroupArn(t, d.logGroup)}:*` } }] };
}

function encryption(d: Desired): { encryptionConfiguration?: { type: 'CUSTOMER_MANAGED_KMS_KEY'; kmsKeyId: string; kmsDataKeyReusePeriodSeconds: number } } {
  return d.kmsKeyArn ? { encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: d.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 } } : {};
}

/** What create and update both send: the definition, role, logging, tracing, encryption, and a new version. */
function settings(t: Target, d: Desired) {
  return {
    definition: d.definition,
    roleArn: roleArn(t, d.roleName),
    loggingConfiguration: logging(t, d),
    tracingConfiguration: { enabled: true },
    ...encryption(d),
    publish: true,
    versionDescription: `source ${d.sourceHash.slice(0, 16)}`,
  };
}

async function latestVersion(aws: AwsClients, arn: string): Promise<string | undefined> {
  return (await aws.sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: arn, maxResults: 1 }))).stateMachineVersions?.[0]?.stateMachineVersionArn;
}

/** Points the `live` alias at `versionArn`, creating the alias when it is missing. */
async function moveAlias(aws: AwsClients, arn: string, versionArn: string, exists: boolean): Promise<void> {
  const routingConfiguration = [{ stateMachineVersionArn: versionArn, weight: 100 }];
  if (exists) await aws.sfn.send(new UpdateStateMachineAliasCommand({ stateMachineAliasArn: `${arn}:${LIVE_ALIAS}`, routingConfiguration }));
  else await aws.sfn.send(new CreateStateMachineAliasCommand({ name: LIVE_ALIAS, description: 'the version rules and schedules start', routingConfiguration }));
}

export const stateMachineOps: ResourceOps<'stateMachine'> = {
  async read(d, { aws, target }) {
    const arn = arnOf(target, d.name);
    let sm;
    try {
      sm = await aws.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
    const changes = diffFields({
      definition: [sm.definition ? canonical(JSON.parse(sm.definition)) : undefined, canonical(JSON.parse(d.definition))],
      roleArn: [sm.roleArn, roleArn(target, d.roleName)],
      loggingConfiguration: [sm.loggingConfiguration, logging(target, d)],
      tracingConfiguration: [sm.tracingConfiguration?.enabled, true],
    });
    let aliasVersion: string | undefined;
    try {
      const alias = await aws.sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${arn}:${LIVE_ALIAS}` }));
      aliasVersion = alias.routingConfiguration?.[0]?.stateMachineVersionArn ?? '';
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (aliasVersion === undefined) changes.push('alias:missing');
    else if (!changes.length && aliasVersion !== (await latestVersion(aws, arn))) changes.push('alias:version');
    return { exists: true, changes };
  },
  async create(d, { aws, target }) {
    const arn = arnOf(target, d.name);
    const created = await aws.sfn.send(
      new CreateStateMachineCommand({
        name: d.name,
        type: 'STANDARD',
        ...settings(target, d),
        tags: Object.entries(stageTags(target)).map(([key, value]) => ({ key, value })),
      }),
    );
    await moveAlias(aws, arn, created.stateMachineVersionArn ?? `${arn}:1`, false);
  },
  async update(d, { aws, target }, changes) {
    const arn = arnOf(target, d.name);
    const aliasExists = !changes.includes('alias:missing');
    let version: string | undefined;
    if (changes.some((c) => !c.startsWith('alias:'))) {
      version = (
        await aws.sfn.send(
          new UpdateStateMachineCommand({
            stateMachineArn: arn,
            ...settings(target, d),
          }),
        )
      ).stateMachineVersionArn;
    } else {
      // Publishing an unchanged revision returns the existing version, so this converges after a half-done apply.
      version = (await aws.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn: arn, description: `source ${d.sourceHash.slice(0, 16)}` }))).stateMachineVersionArn;
    }
    await moveAlias(aws, arn, version ?? (await latestVersion(aws, arn)) ?? '', aliasExists);
  },
  async listOwned({ aws, target }) {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await aws.sfn.send(new ListStateMachinesCommand(nextToken ? { nextToken } : {}));
      for (const sm of page.stateMachines ?? []) {
        if (!sm.name?.startsWith(`clinflow-${target.stage}-`) || !sm.stateMachineArn) continue;
        const tags = (await aws.sfn.send(new ListTagsForResourceCommand({ resourceArn: sm.stateMachineArn }))).tags ?? [];
        if (ownedBy(Object.fromEntries(tags.map((x) => [x.key ?? '', x.value ?? ''])), target)) names.push(sm.name);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return names.sort();
  },
  async remove(name, { aws, target }) {
    // Deleting a state machine deletes its versions and aliases with it.
    await aws.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arnOf(target, name) }));
  },
};
