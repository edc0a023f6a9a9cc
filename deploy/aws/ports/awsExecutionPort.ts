import type { SFNClient } from '@aws-sdk/client-sfn';
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionPort } from '../../../schemas/ports';

/** ExecutionPort on Step Functions. */
export function awsExecutionPort(client: SFNClient): ExecutionPort {
  return {
    async startExecution(input) {
      const out = await client.send(new StartExecutionCommand(input));
      return { executionArn: out.executionArn ?? '', startDate: out.startDate ?? new Date(0) };
    },
    async sendTaskSuccess(input) {
      await client.send(new SendTaskSuccessCommand(input));
    },
    async sendTaskFailure(input) {
      await client.send(new SendTaskFailureCommand(input));
    },
    async sendTaskHeartbeat(input) {
      await client.send(new SendTaskHeartbeatCommand(input));
    },
  };
}
