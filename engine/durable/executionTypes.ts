// What the Step Functions API (engine.ts) and the executor (executor.ts) both name, kept apart so
// that executor.ts need not import engine.ts (no import cycles).

/** An execution started or ended: what lifecycle logs and metrics need, never its input or output. */
export type LifecycleEvent =
  | { type: 'started'; executionArn: string; stateMachineName: string; executionName: string; version?: number; at: number }
  | { type: 'ended'; executionArn: string; stateMachineName: string; executionName: string; version?: number; status: string; error?: string; startedAt: number; at: number }
  /** A task invocation answered (callback tasks: when handed over); durations on the engine's clock. */
  | { type: 'task'; executionArn: string; stateMachineName: string; resource: string; ok: boolean; error?: string; startedAt: number; at: number };

/** The statuses RedriveExecution accepts. */
export const REDRIVABLE = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/** What StartExecution resolved and checked, for the executor to run: one object, not eleven arguments. */
export interface NewExecution {
  smId: number;
  smName: string;
  smArn: string;
  revisionId: number;
  /** The published version the ARN named, if any. */
  version: number | undefined;
  roleArn: string;
  name: string;
  arn: string;
  inputText: string;
  /** `inputText`, parsed. */
  input: unknown;
  digest: string;
}
