import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { LocalScheduler } from '../../engine/scheduler/localScheduler';
import type { CallContext, OperationTable } from '../../api/services/operation';
import type { Connection } from '../commands/ops/opsConnection';

/** The caller the console's in-process calls run as (the console audits them itself, per person). */
const CONSOLE_CALLER: CallContext = { caller: { accessKeyId: 'console', readOnly: false, service: false, region: 'us-east-1', signingService: 'states' }, sourceIp: '127.0.0.1' };

const operationOf = (command: object): string => command.constructor.name.replace(/Command$/, '');

/**
 * An ops `Connection` whose SDK clients are answered in-process by the API's own operation table
 * and the local scheduler: the console and the ops commands share one code path (the same SDK
 * commands, the same outputs), without HTTP, SigV4 or a second audit row per call.
 */
export function inProcessConnection(sfn: OperationTable, scheduler: LocalScheduler, dataDir: string): Connection {
  const sfnClient = {
    send: async (command: { input: Record<string, unknown> }) => {
      const op = sfn[operationOf(command)];
      if (!op) throw new Error(`no in-process Step Functions operation ${operationOf(command)}`);
      return op.run(command.input, CONSOLE_CALLER);
    },
  };
  const schedulerClient = {
    send: async (command: { input: Record<string, unknown> }) => {
      const op = operationOf(command);
      if (op === 'ListSchedules') return scheduler.listSchedules(command.input);
      if (op === 'GetSchedule') return scheduler.getSchedule(command.input as never);
      throw new Error(`no in-process Scheduler operation ${op}`);
    },
  };
  return {
    sfn: sfnClient as unknown as SFNClient,
    // The console never asks these in-process (dead letters are read from the journal directly).
    events: {} as EventBridgeClient,
    sqs: {} as SQSClient,
    lambda: {} as LambdaClient,
    scheduler: schedulerClient as unknown as SchedulerClient,
    local: true,
    region: 'us-east-1',
    dataDir,
    stateMachineName: (workflow) => (workflow.startsWith('clinflow-') ? workflow : `clinflow-${workflow}`),
    reminderGroup: process.env.CLINFLOW_REMINDER_GROUP ?? 'clinflow-reminders',
  };
}
