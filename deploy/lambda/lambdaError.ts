import { ApiError, WorkflowError } from '../../schemas/errors';

/**
 * The error a Lambda handler throws so Step Functions sees the ASL name: Lambda reports
 * `errorType` = error.name and `errorMessage` = error.message, and a Retry/Catch's `ErrorEquals`
 * matches errorType. The message is the cause only (never PHI or tokens, by WorkflowError's contract).
 */
export function toLambdaError(err: unknown): Error {
  if (err instanceof WorkflowError || err instanceof ApiError) {
    const e = new Error(err.causeText ?? err.error);
    e.name = err.error;
    // The stack would repeat the message and add nothing Step Functions uses.
    e.stack = `${e.name}: ${e.message}`;
    return e;
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** A WorkflowError for failures the task function itself raises. */
export const taskError = (name: string, cause: string): Error => toLambdaError(new WorkflowError(name, cause));
