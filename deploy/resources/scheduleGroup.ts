import { CreateScheduleGroupCommand, DeleteScheduleGroupCommand, GetScheduleGroupCommand, ListScheduleGroupsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-scheduler';
import { isNotFound } from '../aws/clients';
import { stageTags } from '../names';
import type { ResourceOps } from './types';
import { ownedBy, tagList, tagsFromList } from './types';

export const scheduleGroupOps: ResourceOps<'scheduleGroup'> = {
  async read(d, { aws }) {
    try {
      await aws.scheduler.send(new GetScheduleGroupCommand({ Name: d.name }));
      return { exists: true, changes: [] };
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
  },
  async create(d, { aws, target }) {
    await aws.scheduler.send(new CreateScheduleGroupCommand({ Name: d.name, Tags: tagList(stageTags(target)) }));
  },
  async update() {
    // A group has nothing to configure beyond its name and tags.
  },
  async listOwned({ aws, target }) {
    const groups = (await aws.scheduler.send(new ListScheduleGroupsCommand({ NamePrefix: `clinflow-${target.stage}` }))).ScheduleGroups ?? [];
    const names: string[] = [];
    for (const g of groups) {
      if (!g.Name || !g.Arn || !(g.Name === `clinflow-${target.stage}` || g.Name.startsWith(`clinflow-${target.stage}-`))) continue;
      const tags = tagsFromList((await aws.scheduler.send(new ListTagsForResourceCommand({ ResourceArn: g.Arn }))).Tags);
      if (ownedBy(tags, target)) names.push(g.Name);
    }
    return names.sort();
  },
  async remove(name, { aws }) {
    // Deleting a group deletes the schedules in it (reminders included).
    await aws.scheduler.send(new DeleteScheduleGroupCommand({ Name: name }));
  },
};
