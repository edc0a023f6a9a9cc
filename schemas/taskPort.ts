/** How the engine calls task functions: one invocation in, one outcome out (never a throw). */
export interface TaskInvocation {
  resource: string;
  /** What the function receives (for `lambda:invoke`, the `Payload` parameter). */
  payload: unknown;
  /** The evaluated Parameters/Arguments (carries `FunctionName` for `lambda:invoke`). */
  parameters?: unknown;
  /** `executionArn|stateName|attempt[|mapIndex…]`, the same on re-delivery after a crash. */
  idempotencyKey: string;
  executionArn: string;
  stateName: string;
  /** `.waitForTaskToken` only. A secret. */
  taskToken?: string;
}

/** For `lambda:invoke` the output is the function's own result; the interpreter wraps it as AWS does. */
export type TaskOutcome = { ok: true; output: unknown } | { ok: false; error: string; cause?: string };

export interface TaskPort {
  invoke(invocation: TaskInvocation): Promise<TaskOutcome>;
}
