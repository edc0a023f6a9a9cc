import type { CreateScheduleCommandInput } from '@aws-sdk/client-scheduler';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, ListSchedulesCommand, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { isNotFound } from '../aws/clients';
import type { DesiredResource } from '../desired';
import type { Target } from '../names';
import { dlqArn, roleArn, scheduleGroupName } from '../names';
import type { ResourceOps } from './types';
import { diffFields } from './types';

type Desired = Extract<DesiredResource, { kind: 'schedule' }>;

export function scheduleInput(t: Target, d: Desired): CreateScheduleCommandInput {
  return {
    Name: d.name,
    GroupName: d.group,
    ScheduleExpression: d.expression,
    ScheduleExpressionTimezone: d.timezone,
    ...(d.startDate ? { StartDate: new Date(d.startDate) } : {}),
    ...(d.endDate ? { EndDate: new Date(d.endDate) } : {}),
    FlexibleTimeWindow: d.flexibleWindowMinutes ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: d.flexibleWindowMinutes } : { Mode: 'OFF' },
    State: d.enabled ? 'ENABLED' : 'DISABLED',
    Description: d.description,
    Target: {
      Arn: d.targetArn,
      RoleArn: roleArn(t, d.roleName),
      Input: d.input,
      RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: dlqArn(t) },
    },
    ...(d.kmsKeyArn ? { KmsKeyArn: d.kmsKeyArn } : {}),
  };
}

/** Workflow schedules (not reminders: those live in their own group and are managed at run time). */
export const scheduleOps: ResourceOps<'schedule'> = {
  async read(d, { aws, target }) {
    let s;
    try {
      s = await aws.scheduler.send(new GetScheduleCommand({ Name: d.name, GroupName: d.group }));
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
    const want = scheduleInput(target, d);
    return {
      exists: true,
      changes: diffFields({
        ScheduleExpression: [s.ScheduleExpression, want.ScheduleExpression],
        ScheduleExpressionTimezone: [s.ScheduleExpressionTimezone, want.ScheduleExpressionTimezone],
        StartDate: [s.StartDate?.toISOString(), want.StartDate?.toISOString()],
        EndDate: [s.EndDate?.toISOString(), want.EndDate?.toISOString()],
        FlexibleTimeWindow: [s.FlexibleTimeWindow, want.FlexibleTimeWindow],
        State: [s.State, want.State],
        Description: [s.Description, want.Description],
        Target: [s.Target, want.Target],
        KmsKeyArn: [s.KmsKeyArn, want.KmsKeyArn],
      }),
    };
  },
  async create(d, { aws, target }) {
    await aws.scheduler.send(new CreateScheduleCommand(scheduleInput(target, d)));
  },
  async update(d, { aws, target }) {
    await aws.scheduler.send(new UpdateScheduleCommand(scheduleInput(target, d)));
  },
  async listOwned({ aws, target }) {
    try {
      const list = (await aws.scheduler.send(new ListSchedulesCommand({ GroupName: scheduleGroupName(target) }))).Schedules ?? [];
      return list.map((s) => s.Name ?? '').filter(Boolean).sort();
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  },
  async remove(name, { aws, target }) {
    await aws.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: scheduleGroupName(target) }));
  },
};
