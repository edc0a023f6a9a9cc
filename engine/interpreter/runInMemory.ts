/**
 * A small in-memory driver for `step`, on a simulated clock: it jumps straight to the next timer or
 * task completion, so a 30-day Wait takes no time. Task functions are called through `invoke`; an
 * outcome may say it completes `afterSeconds` of simulated time later (so TimeoutSeconds can win).
 */
import type { Command, ExecutionInfo, ExecutionStatus, HistoryEventDraft, InterpreterEvent } from './contract';
import { createExecutionState, step } from './index';
import { seededRandom } from '../../core/clock/ids';

export type InvokeTaskCommand = Extract<Command, { type: 'InvokeTask' }>;
export type InvokeOutcome = ({ output: unknown } | { error: string; cause?: string }) & { afterSeconds?: number };

export interface RunInMemoryOptions {
  info?: Partial<ExecutionInfo>;
  invoke: (cmd: InvokeTaskCommand) => Promise<InvokeOutcome>;
  /** epoch ms of the simulated start (default 2024-01-01T00:00:00Z). */
  startTime?: number;
  newId?: () => string;
  random?: () => number;
  /** Safety net against definitions that loop forever (default 1 000 000 steps). */
  maxSteps?: number;
}

export interface RunInMemoryResult {
  status: ExecutionStatus;
  output?: unknown;
  error?: string;
  cause?: string;
  history: HistoryEventDraft[];
  /** Number of `step` calls (≈ transitions, for benchmarks). */
  steps: number;
}

interface Pending {
  at: number;
  seq: number;
  key: string;
  event: InterpreterEvent;
}

/** Binary min-heap on (at, seq). */
class Agenda {
  private readonly heap: Pending[] = [];
  get size(): number {
    return this.heap.length;
  }
  push(p: Pending): void {
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }
  pop(): Pending | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export async function runInMemory(definition: object, input: unknown, opts: RunInMemoryOptions): Promise<RunInMemoryResult> {
  const start = opts.startTime ?? Date.UTC(2024, 0, 1);
  const smName = opts.info?.stateMachineName ?? 'StateMachine';
  const execName = opts.info?.executionName ?? 'execution';
  const info: ExecutionInfo = {
    executionArn: `arn:aws:states:us-east-1:111111111111:execution:${smName}:${execName}`,
    executionName: execName,
    stateMachineArn: `arn:aws:states:us-east-1:111111111111:stateMachine:${smName}`,
    stateMachineName: smName,
    roleArn: 'arn:aws:iam::111111111111:role/StepFunctionsTestRole',
    startTime: new Date(start).toISOString(),
    ...opts.info,
  };
  let idCounter = 0;
  const newId =
    opts.newId ??
    (() => {
      idCounter += 1;
      return `00000000-0000-4000-8000-${idCounter.toString(16).padStart(12, '0')}`;
    });
  const random = opts.random ?? seededRandom(42);
  const state = createExecutionState(info);
  const history: HistoryEventDraft[] = [];
  const agenda = new Agenda();
  const cancelled = new Set<string>();
  let now = start;
  let seq = 0;
  let steps = 0;
  let ended: Extract<Command, { type: 'ExecutionEnded' }> | undefined;
  const maxSteps = opts.maxSteps ?? 1_000_000;

  const runStep = async (event: InterpreterEvent): Promise<void> => {
    steps += 1;
    const res = await step(definition, state, event, { now, newId, random });
    for (const h of res.history) history.push(h);
    for (const cmd of res.commands) {
      switch (cmd.type) {
        case 'StartTimer':
          agenda.push({ at: Math.max(cmd.fireAt, now), seq: seq++, key: cmd.timerId, event: { type: 'TimerFired', timerId: cmd.timerId } });
          break;
        case 'CancelTimer':
          cancelled.add(cmd.timerId);
          break;
        case 'CancelTask':
          cancelled.add(cmd.taskId);
          break;
        case 'InvokeTask': {
          let outcome: InvokeOutcome;
          try {
            outcome = await opts.invoke(cmd);
          } catch (e) {
            outcome = { error: 'States.TaskFailed', cause: e instanceof Error ? e.message : String(e) };
          }
          const at = now + (outcome.afterSeconds ?? 0) * 1000;
          const event: InterpreterEvent =
            'error' in outcome
              ? outcome.cause === undefined
                ? { type: 'TaskFailed', taskId: cmd.taskId, error: outcome.error }
                : { type: 'TaskFailed', taskId: cmd.taskId, error: outcome.error, cause: outcome.cause }
              : { type: 'TaskSucceeded', taskId: cmd.taskId, output: outcome.output };
          agenda.push({ at, seq: seq++, key: cmd.taskId, event });
          break;
        }
        case 'ExecutionEnded':
          ended = cmd;
          break;
      }
    }
  };

  await runStep({ type: 'Start', input });
  while (!ended && agenda.size > 0) {
    if (steps >= maxSteps) throw new Error(`runInMemory: more than ${maxSteps} steps`);
    const next = agenda.pop()!;
    if (cancelled.delete(next.key)) continue;
    now = Math.max(now, next.at);
    await runStep(next.event);
  }
  if (!ended) return { status: state.status, history, steps };
  const result: RunInMemoryResult = { status: ended.status, history, steps };
  if (ended.output !== undefined) result.output = ended.output;
  if (ended.error !== undefined) result.error = ended.error;
  if (ended.cause !== undefined) result.cause = ended.cause;
  return result;
}
