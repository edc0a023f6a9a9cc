import type { TaskContext } from '../../schemas/ports';
import type { RemindersConfig } from './reminderConfig';
import { orderNamePrefix, versionNamePrefix } from './scheduleNames';

const errorName = (e: unknown) => (e as { name?: string } | null)?.name;

/**
 * reminders.cancel: deletes the order's remaining schedules (fired ones deleted themselves), all
 * versions or all but keepVersionId. Already-gone schedules are not errors.
 */
export async function cancelReminders(input: { order: string; keepVersionId?: string | undefined }, ctx: TaskContext, config: RemindersConfig): Promise<{ deleted: number }> {
  const prefix = orderNamePrefix(input.order);
  const keep = input.keepVersionId === undefined ? undefined : versionNamePrefix(input.order, input.keepVersionId);
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.ports.scheduler.listSchedules({ GroupName: config.scheduleGroup, NamePrefix: prefix, ...(token ? { NextToken: token } : {}) }).catch((e: unknown) => {
      if (errorName(e) === 'ResourceNotFoundException') return { Schedules: [], NextToken: undefined };
      throw e;
    });
    for (const s of page.Schedules ?? []) if (s.Name && !(keep && s.Name.startsWith(keep))) names.push(s.Name);
    token = page.NextToken;
  } while (token);
  let deleted = 0;
  for (const name of names) {
    try {
      await ctx.ports.scheduler.deleteSchedule({ Name: name, GroupName: config.scheduleGroup });
      deleted += 1;
    } catch (err) {
      if (errorName(err) !== 'ResourceNotFoundException') throw err;
    }
  }
  return { deleted };
}
