import { CreateEventBusCommand, DeleteEventBusCommand, DescribeEventBusCommand, ListEventBusesCommand, ListTagsForResourceCommand } from '@aws-sdk/client-eventbridge';
import { isNotFound } from '../aws/clients';
import { stageTags } from '../names';
import type { ResourceOps } from './types';
import { ownedBy, tagList, tagsFromList } from './types';

export const busOps: ResourceOps<'bus'> = {
  async read(d, { aws }) {
    try {
      await aws.events.send(new DescribeEventBusCommand({ Name: d.name }));
      return { exists: true, changes: [] };
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
  },
  async create(d, { aws, target }) {
    await aws.events.send(new CreateEventBusCommand({ Name: d.name, Tags: tagList(stageTags(target)) }));
  },
  async update() {
    // A bus has nothing clinflow configures beyond its name.
  },
  async listOwned({ aws, target }) {
    const buses = (await aws.events.send(new ListEventBusesCommand({ NamePrefix: `clinflow-${target.stage}` }))).EventBuses ?? [];
    const names: string[] = [];
    for (const b of buses) {
      if (!b.Name || !b.Arn || b.Name !== `clinflow-${target.stage}`) continue;
      const tags = tagsFromList((await aws.events.send(new ListTagsForResourceCommand({ ResourceARN: b.Arn }))).Tags);
      if (ownedBy(tags, target)) names.push(b.Name);
    }
    return names;
  },
  async remove(name, { aws }) {
    await aws.events.send(new DeleteEventBusCommand({ Name: name }));
  },
};
