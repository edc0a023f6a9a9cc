import type { ExecutionState, HistoryEventDraft, StepEnvironment } from './contract';
import { compactJson, StepAbort } from './failures';
import type { ControlFrame, ExecFrame, Frame } from './frames';
import { StateEnteredDetails, StateExitedDetails } from './historyDetails';
import { historyLimitCause, MAX_HISTORY_EVENTS } from './budgets';
import type { StateDef } from './machine';

/** What the recorder reads from the step it records: the execution, the shell's environment, the budgets. */
export interface RecorderHost {
  readonly state: ExecutionState;
  readonly env: StepEnvironment;
  readonly haltedBy: StepAbort | undefined;
  halt(abort: StepAbort): StepAbort;
  frame<T extends Frame = Frame>(id: string): T | undefined;
}

// Constant strings: the journal interns event types, and comparing constants is a pointer check.
function enteredType(type: string | undefined): string {
  switch (type) {
    case 'Pass':
      return 'PassStateEntered';
    case 'Task':
      return 'TaskStateEntered';
    case 'Choice':
      return 'ChoiceStateEntered';
    case 'Wait':
      return 'WaitStateEntered';
    case 'Succeed':
      return 'SucceedStateEntered';
    case 'Fail':
      return 'FailStateEntered';
    case 'Parallel':
      return 'ParallelStateEntered';
    case 'Map':
      return 'MapStateEntered';
    default:
      return `${type ?? 'Unknown'}StateEntered`;
  }
}

function exitedType(type: string): string {
  switch (type) {
    case 'Pass':
      return 'PassStateExited';
    case 'Task':
      return 'TaskStateExited';
    case 'Choice':
      return 'ChoiceStateExited';
    case 'Wait':
      return 'WaitStateExited';
    case 'Succeed':
      return 'SucceedStateExited';
    case 'Parallel':
      return 'ParallelStateExited';
    case 'Map':
      return 'MapStateExited';
    default:
      return `${type}StateExited`;
  }
}

/**
 * A step's history: numbers events against AWS's quota (event 25 000 may only end the execution),
 * leaves out Distributed Map iterations (child executions, not journaled), and hands each event to
 * the shell's HistorySink or keeps it for StepResult.history. It also keeps the last value it
 * serialised, since the input a state enters with is often the output the previous one exited with.
 */
export class HistoryRecorder {
  /** The step's events, when the shell gives no HistorySink. */
  readonly events: HistoryEventDraft[] = [];
  private lastJsonValue: unknown;
  private lastJsonText: string | undefined;

  constructor(private readonly host: RecorderHost) {}

  /** The next history event id, or undefined when the frame runs inside a Distributed Map (child executions are not journaled). */
  private nextEventId(f?: ExecFrame, type?: string): number | undefined {
    if (this.host.haltedBy) throw this.host.haltedBy;
    if (f && this.isSilent(f)) return undefined;
    const id = (this.host.state.historyCount ?? 0) + 1;
    // AWS: event 25 000 may only be ExecutionSucceeded; anything else fails the execution instead.
    const limit = this.host.env.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
    if (id > limit || (id === limit && type !== 'ExecutionSucceeded')) {
      throw this.host.halt(new StepAbort('fail', 'States.Runtime', historyLimitCause(limit)));
    }
    this.host.state.historyCount = id;
    return id;
  }

  /** Journals a history event (not for Distributed Map iterations); returns the last event id. */
  emit(type: string, details?: Record<string, unknown>, f?: ExecFrame): number {
    const id = this.nextEventId(f, type);
    if (id === undefined) return this.host.state.historyCount ?? 0;
    const sink = this.host.env.historySink;
    if (sink) sink.event(type, this.host.env.now, id, details);
    // One literal per shape: adding `details` afterwards would cost a map transition per event.
    else this.events.push(details ? { type, timestamp: this.host.env.now, id, details } : { type, timestamp: this.host.env.now, id });
    return id;
  }

  /** A *StateEntered event (see HistorySink: with a sink, no objects are made for it). */
  entered(f: ExecFrame, st: StateDef | undefined, name: string, input: string): number {
    const id = this.nextEventId(f);
    if (id === undefined) return this.host.state.historyCount ?? 0;
    const type = enteredType(st?.Type);
    const sink = this.host.env.historySink;
    if (sink) sink.entered(type, this.host.env.now, id, name, input, st);
    else this.events.push({ type, timestamp: this.host.env.now, id, details: new StateEnteredDetails(name, input, st) });
    return id;
  }

  exited(f: ExecFrame, st: StateDef, output: string): void {
    const id = this.nextEventId(f);
    if (id === undefined) return;
    const type = exitedType(st.Type);
    const sink = this.host.env.historySink;
    if (sink) sink.exited(type, this.host.env.now, id, f.state, output);
    else this.events.push({ type, timestamp: this.host.env.now, id, details: new StateExitedDetails(f.state, output) });
  }

  isSilent(f: ExecFrame): boolean {
    let cur: ExecFrame | undefined = f;
    while (cur && cur.ctl) {
      const ctl = this.host.frame<ControlFrame>(cur.ctl);
      if (ctl?.distributed) return true;
      cur = cur.parent ? this.host.frame<ExecFrame>(cur.parent) : undefined;
    }
    return false;
  }

  /**
   * The one event after a budget ended the step (ExecutionFailed): numbered past the events already
   * counted, but never past the quota, which it may take itself.
   */
  last(type: string, details: Record<string, unknown>): void {
    const id = Math.min((this.host.state.historyCount ?? 0) + 1, this.host.env.maxHistoryEvents ?? MAX_HISTORY_EVENTS);
    this.host.state.historyCount = id;
    const sink = this.host.env.historySink;
    if (sink) sink.event(type, this.host.env.now, id, details);
    else this.events.push({ type, timestamp: this.host.env.now, id, details });
  }

  /**
   * compactJson, remembering the last value: a state that passes its input through (most Pass and
   * Choice states) exits with, and hands the next state, the very object it entered with. Values are
   * never mutated in place (ResultPath, templates and intrinsics copy on write), so identity implies
   * the same JSON within a step.
   */
  json(value: unknown): string {
    if (value === this.lastJsonValue && this.lastJsonText !== undefined) return this.lastJsonText;
    const text = compactJson(value);
    this.lastJsonValue = value;
    this.lastJsonText = text;
    return text;
  }
}
