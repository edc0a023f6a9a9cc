/**
 * clinflow has two error trees, and each boundary converts between them once:
 *
 * - WorkflowError: a failure a workflow can `retry` or `catch`, with a stable ASL error name
 *   (`States.*` for the runtime, `FHIR.*`, `Reminder.*`, … for tasks). The name is the contract.
 * - ApiError: what a caller of an API gets (Step Functions, EventBridge, Scheduler exceptions:
 *   `ExecutionDoesNotExist`, `ValidationException`, …), with the HTTP status AWS gives it.
 *
 * Conversions: the API handler turns both into AWS's wire error (api/createApiHandler.ts); the task
 * boundary turns whatever a task threw into a task failure a workflow can catch
 * (tasks/localTaskPort.ts, deploy/lambda/lambdaError.ts); the interpreter turns whatever a state
 * threw into a StateFailure (engine/interpreter/failures.ts). Anything else is a bug, reported as
 * States.Runtime (in a workflow) or InternalFailure (to an API caller), never with its message.
 */
export class WorkflowError extends Error {
  /** The ASL error name a workflow matches in `ErrorEquals`. */
  readonly error: string;
  /** Human-readable cause, in AWS's wording where AWS defines it. Never contains PHI or tokens. */
  readonly causeText: string | undefined;

  constructor(error: string, causeText?: string, options?: { details?: unknown }) {
    super(causeText === undefined ? error : `${error}: ${causeText}`);
    this.name = error;
    this.error = error;
    this.causeText = causeText;
    if (options?.details !== undefined) this.details = options.details;
  }

  /** Structured extra data (for example a FHIR OperationOutcome), kept out of `message`. */
  details?: unknown;
}

/** Errors raised by the ASL runtime itself; names follow the Amazon States Language spec. */
export const StatesErrorNames = [
  'States.ALL',
  'States.DataLimitExceeded',
  'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout',
  'States.Http.Socket',
  'States.IntrinsicFailure',
  'States.ItemReaderFailed',
  'States.NoChoiceMatched',
  'States.ParameterPathFailure',
  'States.Permissions',
  'States.QueryEvaluationError',
  'States.ResultPathMatchFailure',
  'States.ResultWriterFailed',
  'States.Runtime',
  'States.TaskFailed',
  'States.Timeout',
  'States.BranchFailed',
] as const;
export type StatesErrorName = (typeof StatesErrorNames)[number];

export class StatesError extends WorkflowError {
  constructor(error: StatesErrorName, causeText?: string) {
    super(error, causeText);
  }
}

/** Errors raised by FHIR tasks, one per class of HTTP failure. */
export const FhirErrorNames = ['FHIR.NotFound', 'FHIR.Gone', 'FHIR.Conflict', 'FHIR.Unauthorized', 'FHIR.Invalid', 'FHIR.TooManyRequests', 'FHIR.Unavailable'] as const;
export type FhirErrorName = (typeof FhirErrorNames)[number];

export class FhirError extends WorkflowError {
  readonly status: number | undefined;
  /** Seconds the server asked us to wait (429/503 `Retry-After`). */
  readonly retryAfterSeconds: number | undefined;
  constructor(error: FhirErrorName, causeText: string, options: { status?: number; retryAfterSeconds?: number; operationOutcome?: unknown } = {}) {
    super(error, causeText, { details: options.operationOutcome });
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Errors raised by the reminder tasks. */
export const ReminderErrorNames = ['Reminder.InvalidTiming', 'Reminder.NoTimeZone', 'Reminder.OrderNotActive', 'Reminder.AlreadySent'] as const;
export type ReminderErrorName = (typeof ReminderErrorNames)[number];

export class ReminderError extends WorkflowError {
  constructor(error: ReminderErrorName, causeText: string) {
    super(error, causeText);
  }
}

/** Errors raised by notification channels and human tasks. */
export const NotifyErrorNames = ['Notify.DeliveryFailed', 'Notify.InvalidRecipient', 'Notify.InvalidMessage'] as const;
export const HumanTaskErrorNames = ['HumanTask.Rejected', 'HumanTask.Cancelled', 'HumanTask.Failed'] as const;
/** Raised by `correlation.claim` (a stopped execution's error is `Correlation.Replaced` or `Correlation.Cancelled`). */
export const CorrelationErrorNames = ['Correlation.InvalidKey'] as const;
/** Errors raised by `time.format` (an instant shown in a person's zone and language). */
export const TimeErrorNames = ['Time.InvalidInstant', 'Time.InvalidZone', 'Time.NoTimeZone', 'Time.InvalidFormat'] as const;

/** Every error name a task in the catalogue can raise; the compiler warns on others in retry/catch. */
export const TaskErrorNames: readonly string[] = [...FhirErrorNames, ...ReminderErrorNames, ...NotifyErrorNames, ...HumanTaskErrorNames, ...TimeErrorNames, ...CorrelationErrorNames];

/**
 * What an API caller gets: `error` is the exception name AWS documents (also `name`, as the AWS SDK's
 * errors carry it), `causeText` the message. Not a workflow error: an API call made inside a task
 * reaches the workflow only through the task boundary's conversion. The HTTP edges' own refusals
 * extend it too (api/protocol/awsError.ts `AwsError`, triggers/http `HttpProblem`, the console's
 * `HttpError` and `BodyError`), each with the status and wire form of its protocol; their
 * `message` is the text their callers read, without the name before it.
 */
export class ApiError extends Error {
  readonly error: string;
  readonly causeText: string;
  constructor(error: string, causeText: string, message = `${error}: ${causeText}`) {
    super(message);
    this.name = error;
    this.error = error;
    this.causeText = causeText;
  }
}

/** A request the caller got wrong (bad API input, bad definition). Maps to HTTP 4xx. */
export class ValidationError extends ApiError {
  readonly issues: readonly ValidationIssue[];
  constructor(error: string, issues: readonly ValidationIssue[]) {
    super(error, issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
    this.issues = issues;
  }
}

export interface ValidationIssue {
  /** Dotted/bracketed path of the offending value, e.g. `States.Choose.Choices[0].Next`. */
  path: string;
  message: string;
}
