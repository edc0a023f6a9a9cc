import { CreateQueueCommand, DeleteQueueCommand, GetQueueUrlCommand, ListQueuesCommand, ListQueueTagsCommand } from '@aws-sdk/client-sqs';
import { isNotFound } from '../aws/clients';
import { stageTags } from '../names';
import type { ResourceOps } from './types';
import { ownedBy } from './types';

/** The stage's dead-letter queue for rules and schedules that could not start a workflow. */
export const queueOps: ResourceOps<'queue'> = {
  async read(d, { aws }) {
    try {
      await aws.sqs.send(new GetQueueUrlCommand({ QueueName: d.name }));
      return { exists: true, changes: [] };
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
  },
  async create(d, { aws, target }) {
    await aws.sqs.send(
      new CreateQueueCommand({
        QueueName: d.name,
        Attributes: { MessageRetentionPeriod: '1209600', ...(d.kmsKeyArn ? { KmsMasterKeyId: d.kmsKeyArn } : { SqsManagedSseEnabled: 'true' }) },
        tags: stageTags(target),
      }),
    );
  },
  async update() {
    // Nothing to update: the queue's only settings are fixed at creation.
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
