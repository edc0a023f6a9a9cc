import { ApiError, WorkflowError } from '../../schemas/errors';
/**
 * A failure raised while a state runs: an ASL error name plus optional cause. States.Runtime and
 * States.QueryEvaluationError carry AWS's "An error occurred while executing the state …" prefix,
 * added by the runner that knows the state name and the entered event id.
 */
export class StateFailure extends WorkflowError {
  constructor(
    error: string,
    causeText: string | undefined,
    /** true when `cause` still needs AWS's state prefix (runtime/evaluation errors). */
    readonly needsPrefix = false,
    /** true for JSONata evaluation failures: AWS journals an EvaluationFailed event. */
    readonly evaluation = false,
  ) {
    super(error, causeText);
  }
}

export function runtimeFailure(cause: string): StateFailure {
  return new StateFailure('States.Runtime', cause, true);
}

export function queryEvaluationFailure(cause: string): StateFailure {
  return new StateFailure('States.QueryEvaluationError', cause, true, true);
}

/**
 * Ends the whole step rather than a state: no Retry or Catch sees it. `fail` fails the execution
 * with `error`/`cause` (a budget was exhausted); `discard` abandons the step uncommitted (the shell
 * is closing), so the event that started it is delivered again after a restart.
 */
export class StepAbort extends Error {
  constructor(
    readonly kind: 'fail' | 'discard',
    readonly error: string,
    readonly causeText: string,
  ) {
    super(`${error}: ${causeText}`);
  }
}

/**
 * The interpreter's one conversion: whatever a state threw becomes a StateFailure. A WorkflowError
 * keeps its name and cause (an ApiError too, from an API the interpreter called); anything else is
 * a bug surfacing as States.Runtime.
 */
export function toStateFailure(e: unknown): StateFailure {
  // A StepAbort is not a state's failure: rethrown from the catch block that asked.
  if (e instanceof StepAbort) throw e;
  if (e instanceof StateFailure) return e;
  if (e instanceof WorkflowError || e instanceof ApiError) {
    const cause = e.causeText;
    const prefixed = e.error === 'States.Runtime' || e.error === 'States.QueryEvaluationError' || e.error === 'States.IntrinsicFailure';
    return new StateFailure(e.error, cause, prefixed && cause !== undefined && !cause.startsWith('An error occurred'), e.error === 'States.QueryEvaluationError');
  }
  const message = e instanceof Error ? e.message : String(e);
  return new StateFailure('States.Runtime', message, true);
}

/** AWS renders values inside causes as compact JSON. */
export function compactJson(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}
