import type { CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import type { TaskContext } from '../../schemas/ports';
import type { RemindersConfig } from './reminderConfig';
import { reminderKey, reminderScheduleName } from './scheduleNames';
import type { ReminderPlan } from './specs';

const errorName = (e: unknown) => (e as { name?: string } | null)?.name;

/** What a reminder schedule hands its target: the reminders.send input, plus the audit fields. */
export interface ReminderFire {
  order: string;
  versionId: string;
  slot: string;
  at: string;
  key: string;
  policyVersion: string;
  timeZone: string;
}

/**
 * reminders.schedule: one `at()` schedule in UTC per future slot, named from the slot key, deleted
 * after it fires. A name that exists already counts as existing: re-planning is idempotent.
 */
export async function scheduleReminders(input: { plan: ReminderPlan }, ctx: TaskContext, config: RemindersConfig): Promise<{ created: number; existing: number; scheduleNames: string[] }> {
  const { plan } = input;
  const now = ctx.clock.now();
  const out = { created: 0, existing: 0, scheduleNames: [] as string[] };
  const isBus = /:event-bus\//.test(config.target.arn);
  let groupEnsured = false;
  for (const slot of plan.slots) {
    if (Date.parse(slot.at) <= now) continue; // past slots are not reminded late
    const key = reminderKey(plan.order, plan.versionId, slot.slot);
    const name = reminderScheduleName(plan.order, plan.versionId, slot.slot);
    const fire: ReminderFire = { order: plan.order, versionId: plan.versionId, slot: slot.slot, at: slot.at, key, policyVersion: plan.policyVersion, timeZone: plan.timeZone };
    const request: CreateScheduleCommandInput = {
      Name: name,
      GroupName: config.scheduleGroup,
      ScheduleExpression: `at(${slot.at.slice(0, 19)})`,
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ...(config.kmsKeyArn ? { KmsKeyArn: config.kmsKeyArn } : {}),
      Description: `${key} (reminder policy v${plan.policyVersion})`.slice(0, 512),
      Target: {
        Arn: config.target.arn,
        RoleArn: config.target.roleArn,
        Input: JSON.stringify(fire),
        RetryPolicy: { MaximumRetryAttempts: config.target.maximumRetryAttempts, MaximumEventAgeInSeconds: config.target.maximumEventAgeInSeconds },
        ...(isBus ? { EventBridgeParameters: { Source: config.target.source, DetailType: config.target.detailType } } : {}),
        ...(config.target.deadLetterArn ? { DeadLetterConfig: { Arn: config.target.deadLetterArn } } : {}),
      },
    };
    try {
      await ctx.ports.scheduler.createSchedule(request);
      out.created += 1;
    } catch (err) {
      if (errorName(err) === 'ConflictException') out.existing += 1;
      else if (errorName(err) === 'ResourceNotFoundException' && !groupEnsured && ctx.ports.scheduler.createScheduleGroup) {
        // The group is created on first use; a concurrent creator's ConflictException is fine.
        groupEnsured = true;
        await ctx.ports.scheduler.createScheduleGroup({ Name: config.scheduleGroup }).catch((e: unknown) => {
          if (errorName(e) !== 'ConflictException') throw e;
        });
        await ctx.ports.scheduler.createSchedule(request);
        out.created += 1;
      } else throw err;
    }
    out.scheduleNames.push(name);
  }
  return out;
}
