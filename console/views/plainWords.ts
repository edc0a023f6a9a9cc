/** What an error name means, in words an on-call engineer or a nurse can act on. */
const MEANINGS: Record<string, string> = {
  'States.ALL': 'A step failed.',
  'States.TaskFailed': "A step's task failed.",
  'States.Timeout': 'A step took longer than its timeout allows.',
  'States.HeartbeatTimeout': 'A step stopped reporting progress (heartbeat timeout).',
  'States.Runtime': 'The workflow hit a runtime error (often a value of the wrong shape in an expression).',
  'States.QueryEvaluationError': 'An expression in the workflow could not be evaluated on this data.',
  'States.NoChoiceMatched': 'No branch of a decision matched the data, and there was no default.',
  'States.ExceedToleratedFailureThreshold': 'Too many items of a loop failed.',
  'States.Permissions': 'The workflow was not allowed to call a service.',
  'HumanTask.TimedOut': 'Nobody completed the human task before its deadline.',
  'HumanTask.Rejected': 'The person the task was for rejected it.',
  'HumanTask.Cancelled': 'The human task was cancelled.',
  'HumanTask.Failed': 'The human task was marked failed.',
  'HumanTask.EnteredInError': 'The human task was entered in error.',
  'FHIR.Unavailable': 'The FHIR server did not answer (down or unreachable).',
  'FHIR.TooManyRequests': 'The FHIR server asked us to slow down (HTTP 429).',
  'FHIR.NotFound': 'A FHIR resource the workflow needed does not exist.',
  'FHIR.Conflict': 'The FHIR resource changed at the same time (version conflict).',
  'FHIR.Invalid': 'The FHIR server refused a resource as invalid.',
  'Notify.DeliveryFailed': 'A notification could not be delivered.',
  'Console.Stopped': 'Stopped by a person from the console.',
  ExecutionDoesNotExist: 'There is no such execution.',
  ExecutionNotRedrivable: 'This execution cannot be redriven (only failed, timed-out or aborted executions can, within 14 days).',
  ExecutionLimitExceeded: 'Too many executions are running.',
  TaskDoesNotExist: 'The task is no longer waiting (it was completed, failed or timed out already).',
  TaskTimedOut: 'The task timed out before its result arrived.',
  InvalidToken: 'The task token is not valid.',
  ValidationException: 'The request was not valid.',
  InvalidArn: 'That is not a valid ARN.',
};

export function meaningOf(error: string | undefined): string | undefined {
  if (!error) return undefined;
  return MEANINGS[error] ?? (error.startsWith('Reminder.') ? 'A medication reminder could not be planned or delivered.' : undefined);
}

/** An error thrown by the backend, as one sentence: its plain meaning and the engine's own words. */
export function plainError(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const name = (e as { code?: string }).code ?? e.name;
  const meaning = meaningOf(name);
  return meaning ? `${meaning} (${name}: ${e.message})` : e.message || name;
}
