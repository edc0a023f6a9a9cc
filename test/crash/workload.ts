/**
 * The crash test's workload, shared by the worker (on-disk journal, killed at random) and the
 * in-memory reference run: a few workflows with waits, retries, Map and callback tasks, and task
 * handlers whose side effects are keyed by the engine's idempotency key.
 */
import { WorkflowError } from '../../schemas/errors';
import type { LocalTaskPort } from '../../tasks/localTaskPort';

const fn = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

export const workflows: Record<string, object> = {
  waitRetry: {
    StartAt: 'Prepare',
    States: {
      Prepare: { Type: 'Pass', Parameters: { 'i.$': '$.i', 'n.$': '$.n' }, ResultPath: '$.prepared', Next: 'Nap' },
      Nap: { Type: 'Wait', Seconds: 2, Next: 'Charge' },
      Charge: {
        Type: 'Task',
        Resource: fn('flaky'),
        Parameters: { 'n.$': '$.n' },
        Retry: [{ ErrorEquals: ['Flaky.First'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }],
        ResultPath: '$.charged',
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  },
  mapper: {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 2,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: fn('flaky'),
              Parameters: { 'n.$': '$' },
              Retry: [{ ErrorEquals: ['Flaky.First'], IntervalSeconds: 1, MaxAttempts: 2 }],
              Next: 'Pause',
            },
            Pause: { Type: 'Wait', Seconds: 1, End: true },
          },
        },
        ResultPath: '$.mapped',
        End: true,
      },
    },
  },
  callback: {
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: fn('park'), Payload: { 'token.$': '$$.Task.Token', 'n.$': '$.n' } },
        ResultPath: '$.approval',
        Next: 'Settle',
      },
      Settle: { Type: 'Wait', Seconds: 1, Next: 'Record' },
      Record: { Type: 'Task', Resource: fn('effect'), Parameters: { 'n.$': '$.approval.approved' }, ResultPath: '$.recorded', End: true },
    },
  },
};

export const workflowNames = Object.keys(workflows);

export function executionInput(i: number): { workflow: string; name: string; input: string } {
  const workflow = workflowNames[i % workflowNames.length] ?? 'waitRetry';
  return { workflow, name: `run-${i}`, input: JSON.stringify({ i, n: i % 7, items: [i % 5, (i + 1) % 5, (i + 2) % 5] }) };
}

/** What the task handlers need from their side-effect store (SQLite in the worker, a Map in the reference). */
export interface EffectStore {
  /** Counts a delivery of `key` (re-deliveries included). */
  delivered(key: string): void;
  /** Applies the effect once per key (INSERT OR IGNORE); returns whether this key is the first one of `logical`. */
  apply(key: string, logical: string, value: number): boolean;
  parkToken(token: string, key: string, n: number): void;
}

/** `arn|state|attempt|mapIndex…` → `arn|state|mapIndex…`: the operation a retry repeats. */
export function logicalOf(key: string): string {
  const parts = key.split('|');
  parts.splice(2, 1);
  return parts.join('|');
}

export function registerHandlers(tasks: LocalTaskPort, effects: EffectStore): void {
  tasks.registerFunction('flaky', (payload, ctx) => {
    effects.delivered(ctx.idempotencyKey);
    const n = (payload as { n: number }).n;
    // The first attempt of every operation fails, deterministically across re-deliveries.
    const first = effects.apply(ctx.idempotencyKey, logicalOf(ctx.idempotencyKey), n);
    if (first) return Promise.reject(new WorkflowError('Flaky.First', 'first attempt fails'));
    return Promise.resolve({ doubled: n * 2 });
  });
  tasks.registerFunction('effect', (payload, ctx) => {
    effects.delivered(ctx.idempotencyKey);
    const n = (payload as { n: number }).n;
    effects.apply(ctx.idempotencyKey, logicalOf(ctx.idempotencyKey), n);
    return Promise.resolve({ recorded: n });
  });
  tasks.registerFunction('park', (payload, ctx) => {
    effects.delivered(ctx.idempotencyKey);
    effects.parkToken(ctx.taskToken ?? '', ctx.idempotencyKey, (payload as { n: number }).n);
    return Promise.resolve(null);
  });
}

/** The decision a human would take on a parked callback. */
export const approvalFor = (n: number): string => JSON.stringify({ approved: n + 100 });
