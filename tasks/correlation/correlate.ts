import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import { WorkflowError } from '../../schemas/errors';
import type { CorrelationPort } from '../../schemas/ports';
import type { TaskHandler } from '../../schemas/task';
import { messageProblem } from '../notify/checkMessage';
import { executionNameOf, keyedExecutionName, keyNamePrefix, stateMachineArnOf } from './correlationNames';
import type { correlationClaim } from './specs';

/** The error a replaced execution is stopped with. */
export const REPLACED_ERROR = 'Correlation.Replaced';

/**
 * The RUNNING executions of a state machine that run for `key`, newest first: Step Functions'
 * ListExecutions order ("sorted by time, with the most recent execution first"), filtered by the
 * key's name prefix. Works on both runtimes through the port.
 */
export async function runningForKey(port: CorrelationPort, stateMachineArn: string, key: string): Promise<ExecutionListItem[]> {
  const prefix = keyNamePrefix(key);
  const out: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await port.listExecutions({ stateMachineArn: stateMachineArnOf(stateMachineArn), statusFilter: 'RUNNING', maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
    for (const e of page.executions) if (e.name?.startsWith(prefix)) out.push(e);
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/** `lookup` by key: the ARNs of the running executions for it, newest first. */
export async function lookupByKey(port: CorrelationPort, stateMachineArn: string, key: string): Promise<string[]> {
  return (await runningForKey(port, stateMachineArn, key)).map((e) => e.executionArn ?? '').filter(Boolean);
}

/** `cancel` by key: stops every running execution for it; returns the ARNs stopped. */
export async function cancelByKey(port: CorrelationPort, stateMachineArn: string, key: string, cause = 'cancelled by key'): Promise<string[]> {
  const arns = await lookupByKey(port, stateMachineArn, key);
  for (const executionArn of arns) await port.stopExecution({ executionArn, error: 'Correlation.Cancelled', cause });
  return arns;
}

function checkedKey(raw: string): string {
  const key = raw.trim();
  const problem = messageProblem(key, true);
  if (problem) throw new WorkflowError('Correlation.InvalidKey', `the correlation key ${problem}: every event would share it`);
  return key;
}

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/**
 * `correlation.claim`. In an execution a trigger started (its name is not the key's), it starts the
 * workflow again under the key's name with the same input and ends (`dispatched`): execution names
 * are the one place Step Functions lets us put the key, and a rule target cannot name executions.
 * In the keyed execution it applies `onNewEvent` against the others for the key: `parallel` runs;
 * `ignore` ends when an older one is still running; `replace` stops the older ones and runs, or
 * ends when a newer one exists (it will stop this one).
 */
export function createCorrelationHandlers(port: CorrelationPort | undefined): { 'correlation.claim': TaskHandler<typeof correlationClaim> } {
  const claim: TaskHandler<typeof correlationClaim> = async (input, ctx) => {
    if (!port) throw new WorkflowError('States.Runtime', 'no correlation port is configured for correlation.claim');
    const key = checkedKey(input.key);
    const self = input.execution;
    if (!executionNameOf(self).startsWith(keyNamePrefix(key))) {
      const name = keyedExecutionName(key, self);
      const request = { stateMachineArn: input.stateMachine, name, input: JSON.stringify(input.input ?? {}) };
      let execution: string;
      try {
        execution = (await port.startExecution(request, key)).executionArn;
      } catch (err) {
        // A re-delivered dispatch after the keyed execution already ended: it was started.
        if (errorName(err) !== 'ExecutionAlreadyExists') throw err;
        execution = `${stateMachineArnOf(input.stateMachine).replace(':stateMachine:', ':execution:')}:${name}`;
      }
      ctx.log.info({ task: 'correlation.claim', execution }, 'dispatched to the keyed execution');
      return { proceed: false, action: 'dispatched', key, execution, stopped: [] };
    }
    if (input.onNewEvent === 'parallel') return { proceed: true, action: 'run', key, stopped: [] };
    const running = await runningForKey(port, input.stateMachine, key);
    const at = running.findIndex((e) => e.executionArn === self);
    // Newest first: before this one in the list are newer events, after it older ones.
    const newer = at < 0 ? [] : running.slice(0, at);
    const older = at < 0 ? running.filter((e) => e.executionArn !== self) : running.slice(at + 1);
    if (input.onNewEvent === 'ignore') {
      if (older.length) return { proceed: false, action: 'ignored', key, execution: older[older.length - 1]?.executionArn ?? '', stopped: [] };
      return { proceed: true, action: 'run', key, stopped: [] };
    }
    if (newer.length) return { proceed: false, action: 'superseded', key, execution: newer[0]?.executionArn ?? '', stopped: [] };
    const stopped: string[] = [];
    for (const e of older) {
      if (!e.executionArn) continue;
      await port.stopExecution({ executionArn: e.executionArn, error: REPLACED_ERROR, cause: `replaced by a newer event for the same key (execution ${executionNameOf(self)})` });
      stopped.push(e.executionArn);
    }
    if (stopped.length) ctx.log.info({ task: 'correlation.claim', stopped: stopped.length }, 'replaced the running executions for the key');
    return { proceed: true, action: 'run', key, stopped };
  };
  return { 'correlation.claim': claim };
}
