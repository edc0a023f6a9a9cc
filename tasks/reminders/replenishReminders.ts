import { ReminderError } from '../../schemas/errors';
import type { TaskContext } from '../../schemas/ports';
import { planReminders } from './planReminders';
import type { RemindersConfig } from './reminderConfig';
import { scheduleReminders } from './scheduleReminders';

/**
 * reminders.replenish (the daily job): re-plans every active order over the next horizon and
 * creates the schedules it lacks. One order with an unplannable Timing is logged (by error name,
 * no PHI) and skipped, so it cannot starve the others.
 */
export async function replenishReminders(input: { horizonHours: number }, ctx: TaskContext, config: RemindersConfig): Promise<{ orders: number; created: number }> {
  const orders = await ctx.ports.fhir.search('MedicationRequest', { status: 'active' });
  let created = 0;
  let planned = 0;
  for (const mr of orders) {
    if (mr.resourceType !== 'MedicationRequest' || mr.status !== 'active') continue;
    try {
      const plan = await planReminders({ medicationRequest: mr as { resourceType: 'MedicationRequest' }, horizonHours: input.horizonHours }, ctx, config);
      created += (await scheduleReminders({ plan }, ctx, config)).created;
      planned += 1;
    } catch (err) {
      if (!(err instanceof ReminderError)) throw err;
      ctx.log.warn({ task: 'reminders.replenish', error: err.error }, 'order skipped: its reminders cannot be planned');
    }
  }
  return { orders: planned, created };
}
