import { CreateLogGroupCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand, ListTagsForResourceCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { logGroupArn, stageTags } from '../names';
import type { ResourceOps } from './types';
import { diffFields, ownedBy } from './types';

export const logGroupOps: ResourceOps<'logGroup'> = {
  async read(d, { aws }) {
    const found = (await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: d.name }))).logGroups?.find((g) => g.logGroupName === d.name);
    if (!found) return { exists: false };
    return { exists: true, changes: diffFields({ retentionInDays: [found.retentionInDays, d.retentionDays], kmsKeyId: [found.kmsKeyId, d.kmsKeyArn] }) };
  },
  async create(d, { aws, target }) {
    await aws.logs.send(new CreateLogGroupCommand({ logGroupName: d.name, tags: stageTags(target), ...(d.kmsKeyArn ? { kmsKeyId: d.kmsKeyArn } : {}) }));
    await aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: d.name, retentionInDays: d.retentionDays }));
  },
  async update(d, { aws }, changes) {
    if (changes.includes('kmsKeyId')) throw new Error(`log group ${d.name}: its KMS key cannot change in place; destroy and re-apply the stage`);
    await aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: d.name, retentionInDays: d.retentionDays }));
  },
  async listOwned({ aws, target }) {
    const groups = (await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/vendedlogs/states/clinflow-${target.stage}-` }))).logGroups ?? [];
    const names: string[] = [];
    for (const g of groups) {
      if (!g.logGroupName) continue;
      const tags = (await aws.logs.send(new ListTagsForResourceCommand({ resourceArn: logGroupArn(target, g.logGroupName) }))).tags;
      if (ownedBy(tags, target)) names.push(g.logGroupName);
    }
    return names.sort();
  },
  async remove(name, { aws }) {
    await aws.logs.send(new DeleteLogGroupCommand({ logGroupName: name }));
  },
};
