import type { SFNClient } from '@aws-sdk/client-sfn';
import { ListExecutionsCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { CorrelationPort } from '../../../schemas/ports';

/**
 * CorrelationPort on Step Functions: ListExecutions, StartExecution, StopExecution as they are. The
 * key lives only in the execution's name (hashed); Step Functions executions cannot be tagged.
 */
export function awsCorrelationPort(client: SFNClient): CorrelationPort {
  return {
    async listExecutions(input) {
      const out = await client.send(new ListExecutionsCommand(input));
      return { executions: out.executions ?? [], ...(out.nextToken ? { nextToken: out.nextToken } : {}) };
    },
    async startExecution(input) {
      const out = await client.send(new StartExecutionCommand(input));
      return { executionArn: out.executionArn ?? '', startDate: out.startDate ?? new Date(0) };
    },
    async stopExecution(input) {
      await client.send(new StopExecutionCommand(input));
    },
  };
}
