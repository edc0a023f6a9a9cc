import { DeleteRuleCommand, DescribeRuleCommand, ListRulesCommand, ListTagsForResourceCommand, ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { Target as RuleTarget } from '@aws-sdk/client-eventbridge';
import { isNotFound } from '../aws/clients';
import type { DesiredResource } from '../desired';
import type { Target } from '../names';
import { busName, dlqArn, roleArn, stageTags } from '../names';
import { canonical } from '../policy';
import type { ResourceOps } from './types';
import { diffFields, ownedBy, tagList, tagsFromList } from './types';

type Desired = Extract<DesiredResource, { kind: 'rule' }>;
export const TARGET_ID = 'workflow';

function ruleTarget(t: Target, d: Desired): RuleTarget {
  return {
    Id: TARGET_ID,
    Arn: d.targetArn,
    ...(d.roleName ? { RoleArn: roleArn(t, d.roleName) } : {}),
    RetryPolicy: { MaximumRetryAttempts: 24, MaximumEventAgeInSeconds: 86400 },
    DeadLetterConfig: { Arn: dlqArn(t) },
    ...(d.inputPath ? { InputPath: d.inputPath } : {}),
  };
}

export const ruleOps: ResourceOps<'rule'> = {
  async read(d, { aws, target }) {
    let rule;
    try {
      rule = await aws.events.send(new DescribeRuleCommand({ Name: d.name, EventBusName: d.bus }));
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
    const targets = (await aws.events.send(new ListTargetsByRuleCommand({ Rule: d.name, EventBusName: d.bus }))).Targets ?? [];
    const have = targets.find((x) => x.Id === TARGET_ID);
    return {
      exists: true,
      changes: diffFields({
        EventPattern: [rule.EventPattern ? canonical(JSON.parse(rule.EventPattern)) : undefined, canonical(JSON.parse(d.eventPattern))],
        State: [rule.State, 'ENABLED'],
        Description: [rule.Description, d.description],
        Target: [have ? canonical(have) : undefined, canonical(ruleTarget(target, d))],
      }),
    };
  },
  async create(d, ctx) {
    await putRule(d, ctx.aws, ctx.target, true);
  },
  async update(d, ctx) {
    await putRule(d, ctx.aws, ctx.target, false);
  },
  async listOwned({ aws, target }) {
    const rules = (await aws.events.send(new ListRulesCommand({ EventBusName: busName(target), NamePrefix: `clinflow-${target.stage}-` }))).Rules ?? [];
    const names: string[] = [];
    for (const r of rules) {
      if (!r.Name || !r.Arn) continue;
      const tags = tagsFromList((await aws.events.send(new ListTagsForResourceCommand({ ResourceARN: r.Arn }))).Tags);
      if (ownedBy(tags, target)) names.push(r.Name);
    }
    return names.sort();
  },
  async remove(name, { aws, target }) {
    await aws.events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: busName(target), Ids: [TARGET_ID] }));
    await aws.events.send(new DeleteRuleCommand({ Name: name, EventBusName: busName(target) }));
  },
};

async function putRule(d: Desired, aws: import('../aws/clients').AwsClients, t: Target, withTags: boolean): Promise<void> {
  await aws.events.send(
    new PutRuleCommand({
      Name: d.name,
      EventBusName: d.bus,
      EventPattern: d.eventPattern,
      State: 'ENABLED',
      Description: d.description,
      ...(withTags ? { Tags: tagList(stageTags(t)) } : {}),
    }),
  );
  await aws.events.send(new PutTargetsCommand({ Rule: d.name, EventBusName: d.bus, Targets: [ruleTarget(t, d)] }));
}
