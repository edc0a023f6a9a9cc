/**
 * The engine's budgets: AWS Step Functions' quotas where AWS has one, and local bounds where AWS
 * leaves evaluation unbounded but a runaway must not take one process down (docs/DESIGN.md,
 * "Budgets"). Every runaway ends as a named failure of its own execution; the others keep running.
 */

/** AWS's hard quota: history events per execution. Event 25 000 is ExecutionSucceeded or ExecutionFailed. */
export const MAX_HISTORY_EVENTS = 25_000;

/** AWS's cause when an execution reaches the history quota (error `States.Runtime`). */
export function historyLimitCause(limit: number): string {
  return `The execution reached the maximum number of history events (${limit}).`;
}

/** AWS's hard quota on a state machine definition: 1 MB (the compiler refuses a larger one too). */
export { MAX_DEFINITION_BYTES } from '../../schemas/quotas';

/** One JSONata evaluation: wall-clock bound (ms), evaluation depth, and longest sequence (incl. ranges). */
export const JSONATA_TIMEOUT_MS = 5_000;
export const JSONATA_MAX_DEPTH = 2_000;
export const JSONATA_MAX_SEQUENCE = 100_000;

/** The interpreter offers the shell a turn of the event loop every this many state transitions. */
export const PACE_EVERY_TRANSITIONS = 32;

/** …and every this many JSONata evaluation steps (see jsonataEval.ts). */
export const PACE_EVERY_EVALUATIONS = 256;
