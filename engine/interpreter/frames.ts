/**
 * The interpreter's frames. A frame is one thread of control: the root, one Parallel branch or one
 * Map iteration (`ExecFrame`), or the bookkeeping of a running Parallel/Map state (`ControlFrame`).
 * Control frames hold counters only, never the items or results, so a step in a 10 000-item Map
 * rewrites a few small frames rather than one huge one.
 */

export type FramePending =
  | {
      kind: 'task';
      taskId: string;
      /** The evaluated task input and context, kept to build the result after the task returns. */
      lambda: 'direct' | 'service' | 'other';
      token?: string;
      timeoutTimer?: string;
      /** epoch ms the timeout timer fires at. */
      timeoutAt?: number;
      heartbeatTimer?: string;
      heartbeatSeconds?: number;
      /** The effective input (after InputPath) for ResultPath/Assign in JSONPath mode. */
    }
  | { kind: 'wait'; timerId: string }
  | { kind: 'retry'; timerId: string }
  | { kind: 'children'; ctl: string };

export interface ExecFrame {
  kind: 'exec';
  id: string;
  /** Owner frame for variable look-up and context (`null` for the root). */
  parent: string | null;
  /** Control frame this branch/iteration reports to. */
  ctl: string | null;
  /** Branch index or Map iteration index. */
  index: number;
  /** Where this frame's states live in the definition: [] for root, then stateName/branch steps. */
  machine: (string | number)[];
  status: 'running' | 'succeeded' | 'failed' | 'aborted';
  /** Current state. */
  state: string;
  /** Raw input of the current state. */
  input: unknown;
  /** History event id of the current state's *StateEntered event. */
  entered: number;
  enteredAt: number;
  /** Variables declared in this frame's scope. */
  vars?: Record<string, unknown>;
  /** Retry counts per retrier of the current state. */
  retries?: number[];
  /** Retries already made for the current state, for $$.State.RetryCount. */
  retryCount?: number;
  pending?: FramePending;
  /** The control frame of a Map/Parallel whose failure ended this frame: kept so a redrive reruns only its failed children. */
  failedCtl?: string;
  /** Map iteration item ($$.Map.Item). */
  item?: { index: number; value: unknown };
  /** Root only: the execution input. */
  execInput?: unknown;
  /** Root only: the timer of the definition's top-level TimeoutSeconds. */
  execTimer?: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface ControlFrame {
  kind: 'ctl';
  type: 'map' | 'parallel';
  id: string;
  /** The frame in which the Map/Parallel state runs. */
  owner: string;
  stateName: string;
  total: number;
  /** Next iteration to start (Map). */
  next: number;
  running: number;
  succeeded: number;
  failed: number;
  maxConcurrency: number;
  /** null when the definition sets no such threshold. */
  toleratedCount: number | null;
  toleratedPercentage: number | null;
  /** Distributed Map: AWS journals MapRun events rather than per-iteration ones. */
  distributed?: boolean;
  /** Map state failed/aborted: remaining iterations must not start. */
  closed?: boolean;
}

export type Frame = ExecFrame | ControlFrame;

export const ROOT = 'root';

export function childFrameId(ctlId: string, index: number): string {
  return `${ctlId}:${index}`;
}

/** taskId/timerId embed the frame id so events route to their frame without an index. */
export function derivedId(frameId: string, tag: string, seq: number): string {
  return `${frameId}@${tag}${seq}`;
}

export function frameOfDerivedId(id: string): string {
  const at = id.lastIndexOf('@');
  return at < 0 ? id : id.slice(0, at);
}
