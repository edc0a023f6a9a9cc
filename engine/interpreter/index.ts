/**
 * The pure ASL interpreter: `createExecutionState` + `step` (see contract.ts). No I/O and no clock:
 * time, ids and randomness come from the StepEnvironment. `step` updates the state object it is
 * given in place and returns it, listing the frames it changed or removed so a durable shell can
 * persist only those.
 */
import type { ExecutionInfo, ExecutionState, InterpreterEvent, StepEnvironment, StepResult } from './contract';
import { compactJson, StepAbort } from './failures';
import { ROOT, type ExecFrame } from './frames';
import { machineAt } from './machine';
import { Runner } from './runner';
import { retryElapsed } from './retryCatch';
import { abortFrame, executionTimedOut } from './abortFrames';

export type * from './contract';

const REDRIVABLE = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

export function createExecutionState(info: ExecutionInfo): ExecutionState {
  return { info, status: 'RUNNING', frames: {}, seq: 0, historyCount: 0 };
}

export async function step(definition: object, state: ExecutionState, event: InterpreterEvent, env: StepEnvironment): Promise<StepResult> {
  const r = new Runner(definition, state, env);
  try {
    await apply(r, definition, state, event);
    await r.drain();
  } catch (e) {
    // A budget (history quota, the shell's pace) ends the execution; anything else is the shell's.
    if (!(e instanceof StepAbort && e.kind === 'fail')) throw e;
    r.halt(e);
  }
  if (r.haltedBy?.kind === 'discard') throw r.haltedBy;
  if (r.haltedBy) r.failHalted(r.haltedBy);
  return {
    state,
    history: r.recorder.events,
    commands: r.commands,
    changedFrames: [...r.changed],
    removedFrames: [...r.removed],
  };
}

async function apply(r: Runner, definition: object, state: ExecutionState, event: InterpreterEvent): Promise<void> {
  switch (event.type) {
    case 'Start': {
      if (state.frames[ROOT]) throw new Error('Execution already started');
      const input = event.input === undefined ? {} : event.input;
      const startTime = Date.parse(state.info.startTime);
      const d: Record<string, unknown> = { input: compactJson(input), roleArn: state.info.roleArn, stateMachineArn: state.info.stateMachineArn };
      r.recorder.emit('ExecutionStarted', d);
      const root = r.createFrame({ id: ROOT, parent: null, ctl: null, index: 0, machine: [], execInput: input });
      if (Number.isFinite(startTime)) root.enteredAt = startTime;
      const timeout = (definition as { TimeoutSeconds?: unknown }).TimeoutSeconds;
      if (typeof timeout === 'number' && timeout > 0) r.startExecutionTimer(root, timeout);
      r.schedule(() => {
        r.enter(root, machineAt(definition, []).StartAt, input);
        return r.run(root);
      });
      return;
    }
    case 'TaskSucceeded':
    case 'TaskFailed':
    case 'TaskHeartbeat': {
      if (state.status !== 'RUNNING') return;
      const f = r.frameFor(event.taskId);
      if (f?.pending?.kind !== 'task' || f.pending.taskId !== event.taskId) return;
      if (event.type === 'TaskHeartbeat') r.taskHeartbeat(f);
      else if (event.type === 'TaskSucceeded') r.schedule(() => r.taskSucceeded(f, event.output));
      else r.schedule(() => r.taskFailed(f, event.error, event.cause));
      return;
    }
    case 'TimerFired': {
      if (state.status !== 'RUNNING') return;
      const f = r.frameFor(event.timerId);
      if (f?.id === ROOT && f.execTimer === event.timerId) {
        executionTimedOut(r, f);
        return;
      }
      const p = f?.pending;
      if (!f || !p) return;
      if (p.kind === 'wait' && p.timerId === event.timerId) r.schedule(() => r.waitElapsed(f));
      else if (p.kind === 'retry' && p.timerId === event.timerId) r.schedule(() => retryElapsed(r, f));
      else if (p.kind === 'task' && p.timeoutTimer === event.timerId) r.schedule(() => r.taskTimedOut(f, false));
      else if (p.kind === 'task' && p.heartbeatTimer === event.timerId) r.schedule(() => r.taskTimedOut(f, true));
      return;
    }
    case 'Stop': {
      if (state.status !== 'RUNNING') return;
      const root = state.frames[ROOT] as ExecFrame | undefined;
      if (root) abortFrame(r, root);
      const d: Record<string, unknown> = {};
      if (event.error !== undefined) d.error = event.error;
      if (event.cause !== undefined) d.cause = event.cause;
      r.recorder.emit('ExecutionAborted', d);
      state.status = 'ABORTED';
      const cmd: { type: 'ExecutionEnded'; status: 'ABORTED'; error?: string; cause?: string } = { type: 'ExecutionEnded', status: 'ABORTED' };
      if (event.error !== undefined) cmd.error = event.error;
      if (event.cause !== undefined) cmd.cause = event.cause;
      r.commands.push(cmd);
      if (root) r.touch(root);
      return;
    }
    case 'Redrive': {
      // Redrive re-enters the state where the root failed, with the input and variables it had; a
      // Map/Parallel there reruns only its failed or aborted iterations/branches (as AWS does).
      const root = state.frames[ROOT] as ExecFrame | undefined;
      if (!REDRIVABLE.has(state.status)) throw new Error(`Execution in status ${state.status} cannot be redriven`);
      if (!root || root.status === 'succeeded') throw new Error('Execution has no failed state to redrive');
      state.status = 'RUNNING';
      r.recorder.emit('ExecutionRedriven', { redriveCount: state.info.redriveCount ?? 1 });
      r.schedule(() => r.redrive(root));
      return;
    }
  }
}
