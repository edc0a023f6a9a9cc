/**
 * What the console reads and does, independent of where the workflows run: the local engine
 * in-process (`clinflow dev`/`serve`) or a deployed AWS stage through the SDK clients
 * (`clinflow console --stage`). The shapes are Step Functions' own where AWS has one.
 */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

export interface ExecutionFilter {
  workflow?: string;
  status?: ExecutionStatus;
  /** Started at or after / before (epoch ms). */
  sinceMs?: number;
  untilMs?: number;
  /** A FHIR reference the input named (`MedicationRequest/123`) or a correlation key. */
  key?: string;
  /** Opaque keyset cursor from the previous page. */
  cursor?: string;
  limit: number;
}

export interface ExecutionItem {
  executionArn: string;
  workflow: string;
  name: string;
  status: string;
  startMs: number;
  stopMs?: number;
  redriveCount: number;
}

export interface ExecutionPage {
  items: ExecutionItem[];
  nextCursor?: string;
}

export interface WorkflowSummary {
  workflow: string;
  stateMachineArn: string;
  /** The YAML file's text, when the console can read it (local), for the graph and the trigger as written. */
  source?: { file: string; text: string };
  versions: { version: number; createdMs: number }[];
  updatedMs?: number;
}

export interface HistoryItem {
  id: number;
  previousId?: number;
  type: string;
  timestampMs: number;
  /** The state the event belongs to (for entered/exited events, its name). */
  state?: string;
  error?: string;
  cause?: string;
  resource?: string;
  /** Whether the event carries input or output (shown only when revealed). */
  hasData: boolean;
}

export interface ExecutionDetail extends ExecutionItem {
  stateMachineArn: string;
  redriveStatus?: string;
  error?: string;
  cause?: string;
  /** YAML step ids by status, worked out from the history. */
  stepStatus: Record<string, 'succeeded' | 'failed' | 'running' | 'waiting' | 'not-reached'>;
  history: HistoryItem[];
  historyTruncated: boolean;
  /** The human task the execution waits on, if any (FHIR Task reference). */
  waitingTask?: string;
}

export interface RevealedData {
  /** The execution's input and output, or one history event's input/output. */
  input?: string;
  output?: string;
}

export type TaskResult = { ending: 'completed'; output: Record<string, unknown> } | { ending: 'rejected' | 'failed' | 'cancelled'; reason: string };

export interface WaitingTask {
  executionArn: string;
  workflow: string;
  state: string;
  sinceMs: number;
  deadlineMs?: number;
  fhirTask?: string;
  /** `overdue` past the deadline; `due-soon` within the last quarter of the allowed time. */
  escalation: 'on-time' | 'due-soon' | 'overdue' | 'no-deadline';
}

export interface PendingReminder {
  order: string;
  slot: string;
  atMs: number;
  timeZone: string;
  schedule: string;
  state: string;
  /** The reminder policy (workflow and rule) that placed it. */
  policy: string;
}

export interface DeadLetter {
  source: 'bus' | 'scheduler';
  id: number;
  from: string;
  target: string;
  reason: string;
  attempts: number;
  failedMs: number;
}

export interface HealthReport {
  ready: boolean;
  checks: Record<string, boolean | string>;
  metrics: { name: string; labels: string; value: number }[];
}

export interface ConsoleBackend {
  mode: 'local' | 'aws';
  listWorkflows(): Promise<WorkflowSummary[]>;
  /** Executions by status for one workflow (one GROUP BY locally; sampled pages on AWS). */
  countsByStatus(workflow: string): Promise<Partial<Record<ExecutionStatus, number>> & { approximate?: boolean }>;
  listExecutions(filter: ExecutionFilter): Promise<ExecutionPage>;
  describeExecution(arn: string): Promise<ExecutionDetail>;
  /** Execution input/output, or one history event's, for a reveal (PHI). */
  revealData(arn: string, eventId?: number): Promise<RevealedData>;
  stop(arn: string, error: string, cause: string): Promise<void>;
  redrive(arn: string): Promise<void>;
  /**
   * Ends a human task as the clinical path would: the FHIR Task moves to `ending` on its server
   * (where FHIR's Task state machine allows it), then the execution resumes with that result.
   */
  completeTask(fhirTask: string, result: TaskResult): Promise<void>;
  listTasks(): Promise<WaitingTask[]>;
  listReminders(query: { order?: string; patient?: string }): Promise<PendingReminder[]>;
  listDeadLetters(): Promise<DeadLetter[]>;
  redriveDeadLetter(source: 'bus' | 'scheduler', id: number): Promise<void>;
  health(): Promise<HealthReport>;
  /** Changes whenever an execution starts or changes status: the live list polls this cheaply. */
  changeMarker(): Promise<string>;
}
