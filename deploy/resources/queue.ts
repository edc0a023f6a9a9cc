import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, ListQueueTagsCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { samePolicy } from '../policy';
import { isNotFound } from '../aws/clients';
import { stageTags } from '../names';
import type { ResourceOps } from './types';
import { ownedBy } from './types';

/** The stage's dead-letter queue for rules and schedules that could not start a workflow. */
export const queueOps: ResourceOps<'queue'> = {
  async read(d, { aws }) {
    let url: string | undefined;
    try {
      url = (await aws.sqs.send(new GetQueueUrlCommand({ QueueName: d.name }))).QueueUrl;
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
    const attrs = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }))).Attributes;
    return { exists: true, changes: samePolicy(attrs?.Policy, d.policy) ? [] : ['Policy'] };
  },
  async create(d, { aws, target }) {
    await aws.sqs.send(
      new CreateQueueCommand({
        QueueName: d.name,
        Attributes: { MessageRetentionPeriod: '1209600', Policy: d.policy, ...(d.kmsKeyArn ? { KmsMasterKeyId: d.kmsKeyArn } : { SqsManagedSseEnabled: 'true' }) },
        tags: stageTags(target),
      }),
    );
  },
  async update(d, { aws }) {
    const url = (await aws.sqs.send(new GetQueueUrlCommand({ QueueName: d.name }))).QueueUrl;
    await aws.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: d.policy } }));
  },
  async listOwned({ aws, target }) {
    const urls = (await aws.sqs.send(new ListQueuesCommand({ QueueNamePrefix: `clinflow-${target.stage}-` }))).QueueUrls ?? [];
    const names: string[] = [];
    for (const url of urls) {
      const tags = (await aws.sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags;
      if (ownedBy(tags, target)) names.push(url.split('/').pop() ?? url);
    }
    return names.sort();
  },
  async remove(name, { aws }) {
    const url = (await aws.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    await aws.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  },
};
