import { taskFunctionArn } from '../schemas/task';
import type { Correlation } from '../schemas/workflow';

/** The states `correlation:` adds before the first step; '.' keeps them apart from step ids. */
export const CORRELATION_STATES = { claim: 'correlation.claim', check: 'correlation.check', done: 'correlation.done' } as const;

/**
 * `correlation.claim` (tasks/correlation) → a Choice on `proceed` → the first step, or a Succeed
 * whose output says why this execution ends there (dispatched to the keyed execution, ignored,
 * superseded by a newer event).
 */
export function correlationStates(c: Correlation, compiledKey: unknown, start: string): Record<string, Record<string, unknown>> {
  const onNewEvent = c.onNewEvent ?? 'replace';
  return {
    [CORRELATION_STATES.claim]: {
      Type: 'Task',
      Comment: `run for the key ${c.key} (a new event for it: ${onNewEvent})`,
      Resource: taskFunctionArn('correlation.claim'),
      Arguments: {
        key: compiledKey,
        onNewEvent,
        execution: '{% $states.context.Execution.Id %}',
        stateMachine: '{% $states.context.StateMachine.Id %}',
        input: '{% $states.context.Execution.Input %}',
      },
      Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }],
      Next: CORRELATION_STATES.check,
    },
    [CORRELATION_STATES.check]: {
      Type: 'Choice',
      Choices: [{ Condition: '{% $states.input.proceed = true %}', Next: start }],
      Default: CORRELATION_STATES.done,
    },
    [CORRELATION_STATES.done]: { Type: 'Succeed', Comment: 'another execution runs for this key' },
  };
}
