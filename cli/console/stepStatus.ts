import type { ExecutionDetail, HistoryItem } from '../../console/consoleBackend';

type StepStatus = ExecutionDetail['stepStatus'][string];

/** The YAML step an ASL state belongs to: `acknowledge.expire` → `acknowledge`; every `trigger.*` state → `trigger`. */
export const stepOf = (state: string): string => state.split('.')[0] ?? state;

const FAILED = /(TaskFailed|TaskTimedOut|LambdaFunctionFailed|LambdaFunctionTimedOut|ExecutionFailed|ExecutionTimedOut|ExecutionAborted|MapRunFailed)$/;

/**
 * Each step's status from the history (oldest first): entered → running, a callback task or a Wait
 * state not yet exited → waiting, exited → succeeded, a failure while in it → failed (even when a
 * catch moved on); steps never entered are left out (the graph shows them as not reached). A redrive
 * starts a failed step again: entering it after `ExecutionRedriven` replaces its `failed`.
 */
export function stepStatusFrom(history: readonly HistoryItem[], executionStatus: string): ExecutionDetail['stepStatus'] {
  const out: Record<string, StepStatus> = {};
  let current: string | undefined;
  let redriven = new Set<string>();
  for (const e of history) {
    if (e.type === 'ExecutionRedriven') {
      redriven = new Set(Object.keys(out).filter((step) => out[step] === 'failed'));
    } else if (e.type.endsWith('StateEntered') && e.state) {
      current = stepOf(e.state);
      if (out[current] !== 'failed' || redriven.delete(current)) out[current] = e.type === 'WaitStateEntered' ? 'waiting' : 'running';
    } else if (e.type.endsWith('StateExited') && e.state) {
      const step = stepOf(e.state);
      if (out[step] !== 'failed') out[step] = 'succeeded';
    } else if (e.type === 'TaskScheduled' && current && (e.resource ?? '').endsWith('.waitForTaskToken')) {
      out[current] = 'waiting';
    } else if (FAILED.test(e.type) && current) {
      out[current] = 'failed';
    }
  }
  // A finished execution leaves nothing running: a step still "running" at a failure is where it failed.
  if (executionStatus !== 'RUNNING') for (const [step, s] of Object.entries(out)) if (s === 'running' || s === 'waiting') out[step] = executionStatus === 'SUCCEEDED' ? 'succeeded' : 'failed';
  return out;
}
