import { childFrameId, type ControlFrame, type ExecFrame } from './frames';
import { machineAt } from './machine';
import type { RunnerCore } from './runnerCore';

/**
 * Ending what runs before it finishes: a frame's task, timer or children (StopExecution, a failed
 * branch of a Parallel, a Map's tolerance exceeded, the execution's TimeoutSeconds), journaling the
 * *Aborted events AWS does, and forgetting the children of a failed attempt once it is retried,
 * caught or redriven past.
 */
/**
 * Cancels whatever a frame waits for, recursively, journaling the *Aborted events unless `silent`
 * (an execution that times out journals only ExecutionTimedOut).
 */
export function abortFrame(r: RunnerCore, f: ExecFrame, silent = false): void {
  if (f.status !== 'running') return;
  const p = f.pending;
  const st = machineAt(r.def, f.machine).States[f.state];
  if (p?.kind === 'task') {
    // A task whose timeout elapsed at this very instant timed out before it was aborted (AWS journals both).
    if (!silent && p.timeoutAt !== undefined && p.timeoutAt <= r.env.now) {
      const lambda = p.lambda === 'direct' && p.token === undefined;
      r.recorder.emit(lambda ? 'LambdaFunctionTimedOut' : 'TaskTimedOut', { error: 'States.Timeout' }, f);
    }
    r.clearTaskTimers(f);
    r.commands.push({ type: 'CancelTask', taskId: p.taskId });
  } else if (p?.kind === 'wait' || p?.kind === 'retry') {
    r.commands.push({ type: 'CancelTimer', timerId: p.timerId });
  } else if (p?.kind === 'children') {
    abortChildren(r, p.ctl, false, silent);
  }
  if (!silent) r.recorder.emit(`${st?.Type ?? 'Unknown'}StateAborted`, { name: f.state }, f);
  delete f.pending;
  f.status = 'aborted';
  r.touch(f);
}

/** Aborts the running children of a Parallel/Map; `keep` leaves the frames for a later redrive. */
export function abortChildren(r: RunnerCore, ctlId: string, keep = false, silent = false): void {
  const ctl = r.frame<ControlFrame>(ctlId);
  if (!ctl) return;
  ctl.closed = true;
  r.touch(ctl);
  const started = ctl.type === 'map' ? ctl.next : ctl.total;
  for (let i = 0; i < started; i++) {
    const child = r.frame<ExecFrame>(childFrameId(ctl.id, i));
    if (child?.status === 'running') {
      abortFrame(r, child, silent);
      if (!silent && ctl.type === 'map' && !ctl.distributed) r.recorder.emit('MapIterationAborted', { index: i, name: ctl.stateName });
    }
  }
  if (!keep) dropChildren(r, ctl);
}

/** Removes a control frame and its children, with any failed grandchildren kept for redrive. */
export function dropChildren(r: RunnerCore, ctl: ControlFrame): void {
  for (let i = 0; i < ctl.total; i++) {
    const id = childFrameId(ctl.id, i);
    const child = r.frame<ExecFrame>(id);
    if (child?.failedCtl) dropFailedChildren(r, child);
    r.drop(id);
  }
  r.drop(ctl.id);
}

/** The failed Map/Parallel attempt is over (retried, caught or redriven past): forget its children. */
export function dropFailedChildren(r: RunnerCore, f: ExecFrame): void {
  if (!f.failedCtl) return;
  const ctl = r.frame<ControlFrame>(f.failedCtl);
  delete f.failedCtl;
  r.touch(f);
  if (ctl) dropChildren(r, ctl);
}

/**
 * The definition's TimeoutSeconds elapsed. AWS journals only ExecutionTimedOut (error
 * States.Timeout, no cause) after the last event, and DescribeExecution shows TIMED_OUT with
 * neither error nor cause (measured against AWS: github.com/floci-io/floci/issues/2733).
 */
export function executionTimedOut(r: RunnerCore, root: ExecFrame): void {
  delete root.execTimer;
  abortFrame(r, root, true);
  r.recorder.emit('ExecutionTimedOut', { error: 'States.Timeout' });
  r.state.status = 'TIMED_OUT';
  r.commands.push({ type: 'ExecutionEnded', status: 'TIMED_OUT' });
}
