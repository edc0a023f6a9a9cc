/**
 * The SchedulerPort contract: the local scheduler (engine/scheduler) and the AWS adapter
 * (deploy/aws/ports) must both pass it, so tasks cannot tell them apart.
 */
import type { SchedulerPort } from '../../schemas/ports';
import { errorName } from './contractKit';

export interface SchedulerPortFixture {
  port: SchedulerPort;
  /** A state machine ARN the port accepts as a target. */
  targetArn: string;
  roleArn: string;
  close?: () => Promise<void> | void;
}

export function describeSchedulerPortContract(label: string, make: () => Promise<SchedulerPortFixture>): void {
  describe(`SchedulerPort contract: ${label}`, () => {
    let f: SchedulerPortFixture;
    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => {
      await f.close?.();
    });
    const input = (name: string, expr = 'at(2030-01-01T09:00:00)') => ({
      Name: name,
      GroupName: 'clinflow-reminders',
      ScheduleExpression: expr,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      ActionAfterCompletion: 'DELETE' as const,
      Target: { Arn: f.targetArn, RoleArn: f.roleArn, Input: JSON.stringify({ slot: name }) },
    });

    it('creates a schedule and reads it back', async () => {
      const { ScheduleArn } = await f.port.createSchedule(input('r-1'));
      expect(ScheduleArn).toMatch(/r-1$/);
      const got = await f.port.getSchedule({ Name: 'r-1', GroupName: 'clinflow-reminders' });
      expect(got).toMatchObject({ Name: 'r-1', GroupName: 'clinflow-reminders', ScheduleExpression: 'at(2030-01-01T09:00:00)', ScheduleExpressionTimezone: 'UTC', ActionAfterCompletion: 'DELETE' });
      expect(got.Target).toMatchObject({ Arn: f.targetArn, Input: JSON.stringify({ slot: 'r-1' }) });
    });

    it('refuses a second schedule with the same name: ConflictException', async () => {
      await f.port.createSchedule(input('r-2'));
      expect(await errorName(f.port.createSchedule(input('r-2')))).toBe('ConflictException');
    });

    it('answers ResourceNotFoundException for a missing schedule', async () => {
      expect(await errorName(f.port.getSchedule({ Name: 'nope', GroupName: 'clinflow-reminders' }))).toBe('ResourceNotFoundException');
      expect(await errorName(f.port.deleteSchedule({ Name: 'nope', GroupName: 'clinflow-reminders' }))).toBe('ResourceNotFoundException');
    });

    it('updates and deletes', async () => {
      await f.port.createSchedule(input('r-3'));
      await f.port.updateSchedule(input('r-3', 'at(2031-02-03T04:05:06)'));
      expect((await f.port.getSchedule({ Name: 'r-3', GroupName: 'clinflow-reminders' })).ScheduleExpression).toBe('at(2031-02-03T04:05:06)');
      await f.port.deleteSchedule({ Name: 'r-3', GroupName: 'clinflow-reminders' });
      expect(await errorName(f.port.getSchedule({ Name: 'r-3', GroupName: 'clinflow-reminders' }))).toBe('ResourceNotFoundException');
    });

    it('lists a group by name prefix', async () => {
      await f.port.createSchedule(input('order-a-1'));
      await f.port.createSchedule(input('order-a-2'));
      await f.port.createSchedule(input('order-b-1'));
      const out = await f.port.listSchedules({ GroupName: 'clinflow-reminders', NamePrefix: 'order-a-' });
      expect((out.Schedules ?? []).map((s) => s.Name).sort()).toEqual(['order-a-1', 'order-a-2']);
    });
  });
}
