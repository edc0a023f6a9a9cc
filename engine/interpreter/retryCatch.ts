import { applyResultPath } from '../asl/resultPath';
import { type StateFailure, toStateFailure } from './failures';
import { derivedId, type ExecFrame } from './frames';
import { evaluateJsonataTemplate } from './jsonataEval';
import type { StateDef } from './machine';
import { firstMatch, retryDelayMs, type Retrier } from './retryPolicy';
import type { RunnerCore } from './runnerCore';
import { dropFailedChildren } from './abortFrames';

/**
 * Retry and Catch: what happens when a state fails. Only Task, Parallel and Map retry or catch, and
 * never States.Runtime; the first matching retrier whose attempts remain wins, then the first
 * matching catcher, else the frame fails. The step functions of the state types call these with
 * the runner, as they do in mapParallel.ts.
 */
interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: unknown;
  Assign?: unknown;
}

/** A state failed: retry it, catch it, or fail the frame. */
export async function handleFailure(r: RunnerCore, f: ExecFrame, st: StateDef, failure: StateFailure, containerFailedEvent = false): Promise<void> {
  const cause = journalFailure(r, f, failure);
  const canHandle = st.Type === 'Task' || st.Type === 'Parallel' || st.Type === 'Map';
  if (canHandle && failure.error !== 'States.Runtime') {
    const retriers = st.Retry as Retrier[] | undefined;
    const ri = firstMatch(retriers, failure.error);
    if (ri >= 0) {
      const retries = (f.retries ??= []);
      const count = retries[ri] ?? 0;
      const delay = retryDelayMs(retriers![ri]!, count, () => r.env.random());
      if (delay !== undefined) {
        dropFailedChildren(r, f);
        retries[ri] = count + 1;
        f.retryCount = (f.retryCount ?? 0) + 1;
        const timerId = derivedId(f.id, 'r', r.nextSeq());
        f.pending = { kind: 'retry', timerId };
        r.touch(f);
        r.commands.push({ type: 'StartTimer', timerId, fireAt: r.env.now + delay, purpose: 'Retry' });
        return;
      }
    }
    // AWS journals Map/ParallelStateFailed once the state gives up (not before a retry).
    if ((st.Type === 'Map' || st.Type === 'Parallel') && (containerFailedEvent || failure.evaluation)) r.recorder.emit(`${st.Type}StateFailed`, undefined, f);
    const catchers = st.Catch as Catcher[] | undefined;
    const ci = firstMatch(catchers, failure.error);
    if (ci >= 0) {
      dropFailedChildren(r, f);
      const catcher = catchers![ci]!;
      // AWS binds "" to whichever of error/cause the failure lacks (a task timeout has no cause, for one).
      const errorOutput: Record<string, unknown> = { Error: failure.error, Cause: cause ?? '' };
      try {
        let out: unknown;
        let assigned: Record<string, unknown> | undefined;
        if (r.isJsonata(st)) {
          const states = r.scopes.statesBinding(f, f.input, { errorOutput });
          assigned = await r.scopes.assignJsonata(f, catcher.Assign, states, `Catch[${ci}]/`);
          out = 'Output' in catcher ? await evaluateJsonataTemplate(catcher.Output, states, r.scopes.variables(f), `Catch[${ci}]/Output`, r.scopes.jsonataEnv()) : errorOutput;
        } else {
          assigned = r.scopes.assignJsonPath(f, catcher.Assign, errorOutput);
          out = applyResultPath(f.input, catcher.ResultPath, errorOutput);
        }
        r.commitVars(f, assigned);
        r.exit(f, st, out, catcher.Next);
      } catch (e) {
        // A failing Catch (its Output/Assign/ResultPath) fails the state; it is not caught again.
        const again = toStateFailure(e);
        r.frameFailed(f, again.error, journalFailure(r, f, again));
      }
      return;
    }
  }
  r.frameFailed(f, failure.error === '' ? undefined : failure.error, cause);
}

/** Adds AWS's state prefix to runtime/evaluation causes and journals EvaluationFailed; returns the cause. */
export function journalFailure(r: RunnerCore, f: ExecFrame, failure: StateFailure): string | undefined {
  let cause = failure.causeText;
  if (failure.needsPrefix && cause !== undefined) {
    cause = `An error occurred while executing the state '${f.state}' (entered at the event id #${f.entered}). ${cause}`;
  }
  if (failure.evaluation) {
    const d: Record<string, unknown> = { error: failure.error, state: f.state };
    if (cause !== undefined) d.cause = cause;
    r.recorder.emit('EvaluationFailed', d, f);
  }
  return cause;
}

/** A retry back-off elapsed: run the state's body again (without a new StateEntered event). */
export async function retryElapsed(r: RunnerCore, f: ExecFrame): Promise<void> {
  delete f.pending;
  r.touch(f);
  const st = r.stateDef(f);
  try {
    await r.execState(f, st);
  } catch (e) {
    if (f.status === 'running') await handleFailure(r, f, st, toStateFailure(e));
  }
  await r.run(f);
}
