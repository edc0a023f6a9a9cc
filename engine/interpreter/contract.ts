/**
 * The contract between the pure interpreter (engine/interpreter) and the shells that drive it
 * (the in-memory runner and the durable SQLite executor in engine/durable).
 *
 * XState-style: `step` takes the current execution state and one event, and returns the next state,
 * the history events to journal and the commands for the shell to carry out. It performs no I/O and
 * reads no clock: `now` and ids come in through StepEnvironment. Everything here is JSON-serialisable,
 * so the shell can persist it and resume after a crash.
 */

/** The context object ($$ / $states.context) values fixed at start. */
export interface ExecutionInfo {
  executionArn: string;
  executionName: string;
  stateMachineArn: string;
  stateMachineName: string;
  roleArn: string;
  /** ISO-8601 with milliseconds, as AWS renders StartTime. */
  startTime: string;
  /** `STANDARD` (default) or `EXPRESS`. */
  type?: 'STANDARD' | 'EXPRESS';
  redriveCount?: number;
}

/** What the shell feeds the interpreter. */
export type InterpreterEvent =
  | { type: 'Start'; input: unknown }
  | { type: 'TaskSucceeded'; taskId: string; output: unknown }
  | { type: 'TaskFailed'; taskId: string; error: string; cause?: string }
  | { type: 'TaskHeartbeat'; taskId: string }
  | { type: 'TimerFired'; timerId: string }
  | { type: 'Stop'; error?: string; cause?: string }
  /** Redrive: restart the failed states of a FAILED/TIMED_OUT/ABORTED execution. */
  | { type: 'Redrive' };

/** What the interpreter asks the shell to do. */
export type Command =
  | {
      type: 'InvokeTask';
      taskId: string;
      /** The state's Resource (Lambda ARN, `arn:aws:states:::lambda:invoke`, …). */
      resource: string;
      /** The effective payload the function receives. */
      payload: unknown;
      stateName: string;
      /** `executionArn|stateName#visit|attempt[|mapIndex…]` (visit = the StateEntered event id): stable across re-delivery after a crash. */
      idempotencyKey: string;
      /** Present for `.waitForTaskToken`: the shell must park until SendTask* with this token. */
      taskToken?: string;
      /** The evaluated Parameters/Arguments (e.g. `FunctionName` of `lambda:invoke`); `payload` is what the function receives. */
      parameters?: unknown;
    }
  | { type: 'CancelTask'; taskId: string }
  | { type: 'StartTimer'; timerId: string; /** epoch ms */ fireAt: number; purpose: 'Wait' | 'Retry' | 'TaskTimeout' | 'HeartbeatTimeout' | 'MapScheduling' | 'ExecutionTimeout' }
  | { type: 'CancelTimer'; timerId: string }
  | { type: 'ExecutionEnded'; status: ExecutionStatus; output?: unknown; error?: string; cause?: string };

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** One event of Step Functions' GetExecutionHistory, before the shell numbers it. */
export interface HistoryEventDraft {
  /** e.g. ExecutionStarted, TaskStateEntered, TaskScheduled, LambdaFunctionScheduled, MapIterationStarted… */
  type: string;
  timestamp: number;
  /** The event id AWS would give it (1-based, execution-wide); the interpreter numbers events so causes can cite them. */
  id?: number;
  /** The `*EventDetails` object AWS would attach (input/output as JSON strings, as AWS does). */
  details?: Record<string, unknown>;
}

/**
 * The execution's whole state, JSON-serialisable. It is split into frames (the root, each Parallel
 * branch, each Map iteration) so a shell can persist only the frames a step changed: a Map over
 * 10 000 items must not rewrite 10 000 frames per transition.
 */
export interface ExecutionState {
  info: ExecutionInfo;
  status: ExecutionStatus;
  /** frame id → frame; the interpreter defines Frame's contents. */
  frames: Record<string, unknown>;
  /** Monotonic counter for ids the interpreter derives (taskIds, timerIds). */
  seq: number;
  /** Number of history events journaled so far (the last event id). */
  historyCount?: number;
}

export interface StepResult {
  state: ExecutionState;
  history: HistoryEventDraft[];
  commands: Command[];
  /** Frames that were created or changed by this step, and frames that were removed. */
  changedFrames: string[];
  removedFrames: string[];
}

/**
 * Where a step's history events go instead of StepResult.history, when the shell gives one (the
 * durable engine encodes them as they come). The commonest events, a state's Entered and Exited,
 * arrive as plain values: no event or details objects are made for them.
 */
export interface HistorySink {
  /** `state` is the definition object of the state entered (a key for per-state caches). */
  entered(type: string, timestamp: number, id: number, name: string, input: string, state?: object): void;
  exited(type: string, timestamp: number, id: number, name: string, output: string): void;
  event(type: string, timestamp: number, id: number, details: Record<string, unknown> | undefined): void;
}

export interface StepEnvironment {
  /** epoch ms: the clock's reading for this step. */
  now: number;
  /** Fresh unique ids (task tokens, UUIDs for States.UUID). */
  newId(): string;
  /** Random number in [0,1) for jitter and States.MathRandom without a seed. */
  random(): number;
  /** When given, every history event goes here, in order, and StepResult.history stays empty. */
  historySink?: HistorySink;
  /**
   * Called every few dozen transitions and few hundred JSONata evaluation steps. Returns a promise when the
   * shell wants the event loop to have a turn (the step resumes when it settles), and may throw a
   * StepAbort (failures.ts) to end the step. Absent: the step runs to completion without pausing.
   */
  pace?: () => Promise<void> | undefined;
  /** History events per execution (default AWS's 25 000; benchmarks against unlimited peers lift it). */
  maxHistoryEvents?: number;
}
