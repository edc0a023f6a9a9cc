import type { TaskHandler } from '../../schemas/task';
import { cancelReminders } from './cancelReminders';
import { planReminders } from './planReminders';
import { remindersConfig, type RemindersConfig } from './reminderConfig';
import { replenishReminders } from './replenishReminders';
import { scheduleReminders } from './scheduleReminders';
import { sendReminder } from './sendReminder';
import type { remindersCancel, remindersPlan, remindersReplenish, remindersSchedule, remindersSend } from './specs';

/** A type alias (not an interface) so it is assignable to `Record<string, TaskHandler<…>>`. */
export type ReminderHandlers = {
  'reminders.plan': TaskHandler<typeof remindersPlan>;
  'reminders.schedule': TaskHandler<typeof remindersSchedule>;
  'reminders.cancel': TaskHandler<typeof remindersCancel>;
  'reminders.send': TaskHandler<typeof remindersSend>;
  'reminders.replenish': TaskHandler<typeof remindersReplenish>;
};

/** The reminder task handlers, keyed by task name, for a deployment's settings. They use only ctx.ports. */
export function createReminderHandlers(overrides: Partial<RemindersConfig> = {}): ReminderHandlers {
  const config = remindersConfig(overrides);
  return {
    'reminders.plan': (input, ctx) => planReminders(input, ctx, config),
    'reminders.schedule': (input, ctx) => scheduleReminders(input, ctx, config),
    'reminders.cancel': (input, ctx) => cancelReminders(input, ctx, config),
    'reminders.send': (input, ctx) => sendReminder(input, ctx, config),
    'reminders.replenish': (input, ctx) => replenishReminders(input, ctx, config),
  };
}

/** Handlers with the default settings (and CLINFLOW_DEFAULT_TIMEZONE / CLINFLOW_REMINDER_GROUP). */
export const reminderHandlers: ReminderHandlers = createReminderHandlers();
