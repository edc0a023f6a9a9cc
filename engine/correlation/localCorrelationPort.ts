import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import type { Clock } from '../../schemas/clock';
import type { CorrelationPort } from '../../schemas/ports';
import type { Engine } from '../durable/engine';
import type { CorrelationStore } from './correlationStore';

type EngineCalls = Pick<Engine, 'listExecutions' | 'startExecution' | 'stopExecution'>;

/** `…:stateMachine:<name>[:qualifier]` → `…:stateMachine:<name>`. */
const unqualified = (arn: string) => arn.split(':').slice(0, 7).join(':');

/**
 * CorrelationPort on the local engine. A keyed execution's key is recorded before it starts (its
 * ARN follows from the name), so a crash in between leaves a row for an execution that a retried
 * dispatch then starts under the same name, never an execution without its key.
 */
export function localCorrelationPort(engine: EngineCalls, store: CorrelationStore, clock: Clock): CorrelationPort {
  return {
    async listExecutions(input) {
      const page = engine.listExecutions({
        stateMachineArn: input.stateMachineArn ?? '',
        ...(input.statusFilter !== undefined ? { statusFilter: input.statusFilter } : {}),
        ...(input.maxResults !== undefined ? { maxResults: input.maxResults } : {}),
        ...(input.nextToken !== undefined ? { nextToken: input.nextToken } : {}),
      });
      return { executions: page.executions as ExecutionListItem[], ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },
    async startExecution(input, correlationKey) {
      const machine = unqualified(input.stateMachineArn ?? '');
      store.record({ executionArn: `${machine.replace(':stateMachine:', ':execution:')}:${input.name ?? ''}`, stateMachineArn: machine, key: correlationKey, createdMs: clock.now() });
      return engine.startExecution(input);
    },
    async stopExecution(input) {
      await engine.stopExecution({
        executionArn: input.executionArn ?? '',
        ...(input.error !== undefined ? { error: input.error } : {}),
        ...(input.cause !== undefined ? { cause: input.cause } : {}),
      });
    },
  };
}
