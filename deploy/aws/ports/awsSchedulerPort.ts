import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, ListSchedulesCommand, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import type { SchedulerPort } from '../../../schemas/ports';

/** SchedulerPort on EventBridge Scheduler: the port speaks the SDK's own shapes, so this is a pass-through. */
export function awsSchedulerPort(client: SchedulerClient): SchedulerPort {
  return {
    async createSchedule(input) {
      const out = await client.send(new CreateScheduleCommand(input));
      return { ScheduleArn: out.ScheduleArn ?? '' };
    },
    async updateSchedule(input) {
      const out = await client.send(new UpdateScheduleCommand(input));
      return { ScheduleArn: out.ScheduleArn ?? '' };
    },
    async deleteSchedule(input) {
      await client.send(new DeleteScheduleCommand(input));
    },
    async getSchedule(input) {
      const { $metadata: _m, ...rest } = await client.send(new GetScheduleCommand(input));
      return rest;
    },
    async listSchedules(input) {
      const { $metadata: _m, ...rest } = await client.send(new ListSchedulesCommand(input));
      return rest;
    },
  };
}
