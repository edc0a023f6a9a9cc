import type { Command, ExecutionState, StepEnvironment } from './contract';
import { applyResultPath } from '../asl/resultPath';
import { PACE_EVERY_TRANSITIONS } from './budgets';
import { runtimeFailure, StateFailure, StepAbort, toStateFailure } from './failures';
import { derivedId, frameOfDerivedId, ROOT, type ExecFrame, type Frame } from './frames';
import { HistoryRecorder } from './historyRecorder';
import { evaluateJsonataTemplate } from './jsonataEval';
import { machineAt, type StateDef } from './machine';
import { handleFailure } from './retryCatch';
import { ScopeBuilder } from './scopeBuilder';
import { MAX_PAYLOAD_BYTES, payloadTooLarge } from './taskResources';

/** JSONPath states run synchronously; only JSONata evaluation (async in jsonata 2) returns a promise. */
export type MaybePromise = void | Promise<void>;
export type Action = () => MaybePromise;

/** What `run` awaits before it goes on: a state body (whose failure is the state's), or another promise. */
interface Awaited {
  promise: Promise<void>;
  state?: StateDef;
}

/**
 * The interpreter's machinery shared by every state type: bookkeeping of frames and commands, the
 * step's budgets, state transitions and frame endings. The history is recorded by
 * historyRecorder.ts, scopes are built by scopeBuilder.ts, and a failure is retried or caught by
 * retryCatch.ts. State types live in simpleStates.ts, taskState.ts and mapParallel.ts; Runner
 * (runner.ts) wires them in.
 */
const PASSES_THROUGH = Symbol('passesThrough');
const PLAIN_PASS_FIELDS = new Set(['Type', 'Comment', 'Next', 'End', 'QueryLanguage']);

/** A Pass state with no field that changes its value (either query language): output = input. Cached on the state. */
function passesThrough(st: StateDef): boolean {
  const cached = (st as { [PASSES_THROUGH]?: boolean })[PASSES_THROUGH];
  if (cached !== undefined) return cached;
  const plain = Object.keys(st).every((k) => PLAIN_PASS_FIELDS.has(k));
  // Not enumerable: definitions are compared and serialised elsewhere.
  Object.defineProperty(st, PASSES_THROUGH, { value: plain });
  return plain;
}

export abstract class RunnerCore {
  readonly commands: Command[] = [];
  readonly changed = new Set<string>();
  readonly removed = new Set<string>();
  readonly queue: Action[] = [];
  private lastTouched: Frame | undefined;
  /** The frame enter() last moved, and the definition of the state it entered. */
  private enteredFrame: ExecFrame | undefined;
  private enteredDef: StateDef | undefined;
  /** Transitions left before the shell is offered a turn of the event loop (StepEnvironment.pace). */
  private paceCountdown = PACE_EVERY_TRANSITIONS;
  /** Set once a budget ended the step: nothing more is journaled, and step() fails the execution. */
  haltedBy: StepAbort | undefined;
  /** The step's history events (historyRecorder.ts). */
  readonly recorder = new HistoryRecorder(this);
  /** $, $$, variables and $states for expressions (scopeBuilder.ts). */
  readonly scopes = new ScopeBuilder(this);

  constructor(
    readonly def: object,
    readonly state: ExecutionState,
    readonly env: StepEnvironment,
  ) {}

  // ------------------------------------------------------------------ bookkeeping

  frame<T extends Frame = Frame>(id: string): T | undefined {
    return this.state.frames[id] as T | undefined;
  }

  put(f: Frame): void {
    this.state.frames[f.id] = f;
    this.changed.add(f.id);
    this.removed.delete(f.id);
  }

  touch(f: Frame): void {
    // A chain of states touches the same frame once per state: skip the set when nothing changed.
    if (f === this.lastTouched) return;
    this.changed.add(f.id);
    this.lastTouched = f;
  }

  drop(id: string): void {
    if (!(id in this.state.frames)) return;
    delete this.state.frames[id];
    this.changed.delete(id);
    if (this.lastTouched?.id === id) this.lastTouched = undefined;
    this.removed.add(id);
  }

  nextSeq(): number {
    this.state.seq += 1;
    return this.state.seq;
  }

  schedule(a: Action): void {
    this.queue.push(a);
  }

  async drain(): Promise<void> {
    // Index walk, not shift(): a 10 000-item Map schedules 10 000 actions in one step.
    for (let i = 0; i < this.queue.length; i++) {
      if (this.haltedBy) break;
      const pending = this.queue[i]!();
      if (pending) await pending;
    }
    this.queue.length = 0;
  }

  // ------------------------------------------------------------------ scopes

  stateDef(f: ExecFrame): StateDef {
    const st = machineAt(this.def, f.machine).States[f.state];
    if (!st) throw runtimeFailure(`State '${f.state}' does not exist`);
    return st;
  }

  isJsonata(st: StateDef): boolean {
    return (st.QueryLanguage ?? (this.def as { QueryLanguage?: string }).QueryLanguage) === 'JSONata';
  }

  // ------------------------------------------------------------------ budgets

  /** Records the budget that ended the step (a StepAbort swallowed by some catch still stops it). */
  halt(abort: StepAbort): StepAbort {
    this.haltedBy ??= abort;
    return abort;
  }

  /** Offers the shell a turn of the event loop; a StepAbort it throws (or rejects with) ends the step. */
  pace(): Promise<void> | undefined {
    this.paceCountdown = PACE_EVERY_TRANSITIONS;
    let turn: Promise<void> | undefined;
    try {
      turn = this.env.pace?.();
    } catch (e) {
      if (e instanceof StepAbort) throw this.halt(e);
      throw e;
    }
    return turn?.catch((e: unknown) => {
      throw e instanceof StepAbort ? this.halt(e) : e;
    });
  }

  /**
   * A budget ended the step: the execution fails with the budget's error as one last history event
   * (AWS's event 25 000 at the history quota). Commands of the cut-short step are dropped; ending
   * the execution deletes its timers and task rows.
   */
  failHalted(abort: StepAbort): void {
    this.haltedBy = undefined;
    this.commands.length = 0;
    const root = this.frame<ExecFrame>(ROOT);
    if (root) {
      root.status = 'failed';
      root.error = abort.error;
      root.cause = abort.causeText;
      delete root.pending;
      delete root.execTimer;
      this.changed.add(root.id);
    }
    this.recorder.last('ExecutionFailed', { error: abort.error, cause: abort.causeText });
    this.state.status = 'FAILED';
    this.commands.push({ type: 'ExecutionEnded', status: 'FAILED', error: abort.error, cause: abort.causeText });
  }

  commitVars(f: ExecFrame, assigned: Record<string, unknown> | undefined): void {
    if (!assigned) return;
    f.vars = { ...f.vars, ...assigned };
    this.touch(f);
  }

  // ------------------------------------------------------------------ frames and transitions

  createFrame(init: Omit<ExecFrame, 'kind' | 'status' | 'entered' | 'enteredAt' | 'state' | 'input'>): ExecFrame {
    const f: ExecFrame = { kind: 'exec', status: 'running', state: '', input: null, entered: 0, enteredAt: this.env.now, ...init };
    this.put(f);
    return f;
  }

  enter(f: ExecFrame, name: string, input: unknown): void {
    const st = machineAt(this.def, f.machine).States[name];
    this.enteredFrame = f;
    this.enteredDef = st;
    f.state = name;
    f.input = input;
    f.enteredAt = this.env.now;
    // Deleting an absent key still costs V8 a shape change; a chain of Pass states hits this per state.
    if (f.retries !== undefined) delete f.retries;
    if (f.retryCount !== undefined) delete f.retryCount;
    if (f.pending !== undefined) delete f.pending;
    f.entered = this.recorder.entered(f, st, name, this.recorder.json(input));
    this.touch(f);
  }

  /** Leaves the current state with `output`, then enters the next one or ends the frame. */
  exit(f: ExecFrame, st: StateDef, output: unknown, next?: string): void {
    const text = this.recorder.json(output);
    if (text.length > MAX_PAYLOAD_BYTES / 3 && payloadTooLarge(output)) {
      throw new StateFailure('States.DataLimitExceeded', `The state/task '${f.state}' returned a result with a size exceeding the maximum number of bytes service limit.`);
    }
    this.recorder.exited(f, st, text);
    const target = next ?? st.Next;
    if (st.Type === 'Succeed' || (st.End === true && next === undefined) || target === undefined) {
      this.frameSucceeded(f, output);
      return;
    }
    this.enter(f, target, output);
  }

  /**
   * Runs a frame's states until it blocks or ends. Synchronous while its states are (every JSONPath
   * state but Task, Map and Parallel): a promise only when one of them needs to await.
   */
  run(f: ExecFrame): MaybePromise {
    const next = this.advance(f);
    return next && this.continueAsync(f, next);
  }

  /**
   * The synchronous part of `run`: enters states until the frame blocks or ends (undefined), or
   * something must be awaited first: a state body, a failure's handling, or the shell's pace.
   */
  private advance(f: ExecFrame): Awaited | undefined {
    while (f.status === 'running' && !f.pending) {
      if (--this.paceCountdown <= 0) {
        const turn = this.pace();
        if (turn) return { promise: turn };
      }
      // The state the frame just entered was looked up by enter(): no second look-up.
      const st = f === this.enteredFrame ? this.enteredDef : machineAt(this.def, f.machine).States[f.state];
      if (!st) {
        // Only a definition that skipped validation can get here; fail the frame, not the process.
        this.frameFailed(f, 'States.Runtime', `State '${f.state}' is not defined in the state machine`);
        return undefined;
      }
      let pending: MaybePromise;
      try {
        if (st.Type === 'Pass' && passesThrough(st)) {
          // The commonest state needs none of Pass's machinery: its output is its input.
          this.exit(f, st, f.input);
          continue;
        }
        pending = this.execState(f, st);
      } catch (e) {
        if (f.status !== 'running') return undefined;
        return { promise: handleFailure(this, f, st, toStateFailure(e)) };
      }
      if (pending) return { promise: pending, state: st };
    }
    return undefined;
  }

  /**
   * The rest of `run` once something must be awaited. A loop, not a recursion: a loop of
   * asynchronous states (JSONata Choice, say) keeps one pending promise, not one per state.
   */
  private async continueAsync(f: ExecFrame, first: Awaited): Promise<void> {
    for (let next: Awaited | undefined = first; next; next = this.advance(f)) {
      if (!next.state) {
        await next.promise;
        continue;
      }
      try {
        await next.promise;
      } catch (e) {
        // A state body's failure is the state's.
        if (f.status !== 'running') return;
        await handleFailure(this, f, next.state, toStateFailure(e));
      }
    }
  }

  /** Runs the body of the current state (after its StateEntered event). */
  abstract execState(f: ExecFrame, st: StateDef): MaybePromise;

  /** A branch or iteration ended (succeeded or failed): report to its Parallel/Map. */
  abstract childEnded(child: ExecFrame): void;

  // ------------------------------------------------------------------ simple states

  clearTaskTimers(f: ExecFrame): void {
    const p = f.pending;
    if (p?.kind !== 'task') return;
    if (p.timeoutTimer) this.commands.push({ type: 'CancelTimer', timerId: p.timeoutTimer });
    if (p.heartbeatTimer) this.commands.push({ type: 'CancelTimer', timerId: p.heartbeatTimer });
  }

  /** Output processing shared by Task, Parallel and Map once their result is known. */
  async finishWithResult(f: ExecFrame, st: StateDef, result: unknown): Promise<void> {
    const raw = f.input;
    if (this.isJsonata(st)) {
      const states = this.scopes.statesBinding(f, raw, { result });
      const vars = this.scopes.variables(f);
      const assigned = await this.scopes.assignJsonata(f, st.Assign, states);
      const out = 'Output' in st ? await evaluateJsonataTemplate(st.Output, states, vars, 'Output', this.scopes.jsonataEnv()) : result;
      this.commitVars(f, assigned);
      return this.exit(f, st, out);
    }
    const selected = 'ResultSelector' in st ? this.scopes.template(st.ResultSelector, this.scopes.scope(f, result)) : result;
    const assigned = this.scopes.assignJsonPath(f, st.Assign, selected);
    const out = this.scopes.outputPath(f, st, applyResultPath(raw, st.ResultPath as string | null | undefined, selected));
    this.commitVars(f, assigned);
    return this.exit(f, st, out);
  }

  // ------------------------------------------------------------------ frame completion

  frameSucceeded(f: ExecFrame, output: unknown): void {
    f.status = 'succeeded';
    f.output = output;
    this.touch(f);
    if (f.id === ROOT) {
      this.cancelExecutionTimer(f);
      this.recorder.emit('ExecutionSucceeded', { output: this.recorder.json(output) });
      this.state.status = 'SUCCEEDED';
      this.commands.push({ type: 'ExecutionEnded', status: 'SUCCEEDED', output });
      return;
    }
    this.childEnded(f);
  }

  frameFailed(f: ExecFrame, error: string | undefined, cause: string | undefined): void {
    f.status = 'failed';
    if (error !== undefined) f.error = error;
    if (cause !== undefined) f.cause = cause;
    this.touch(f);
    if (f.id === ROOT) {
      this.cancelExecutionTimer(f);
      const d: Record<string, unknown> = {};
      if (error !== undefined) d.error = error;
      if (cause !== undefined) d.cause = cause;
      this.recorder.emit('ExecutionFailed', d);
      this.state.status = 'FAILED';
      const cmd: Command & { type: 'ExecutionEnded' } = { type: 'ExecutionEnded', status: 'FAILED' };
      if (error !== undefined) cmd.error = error;
      if (cause !== undefined) cmd.cause = cause;
      this.commands.push(cmd);
      return;
    }
    this.childEnded(f);
  }

  // ------------------------------------------------------------------ Parallel and Map

  /** Routes a task/timer id to its frame, or undefined when the frame is gone (stale event). */
  frameFor(derived: string): ExecFrame | undefined {
    const f = this.frame<ExecFrame>(frameOfDerivedId(derived));
    return f && f.kind === 'exec' && f.status === 'running' ? f : undefined;
  }

  /** Top-level TimeoutSeconds: the whole execution times out. */
  startExecutionTimer(root: ExecFrame, seconds: number): void {
    root.execTimer = derivedId(root.id, 'X', this.nextSeq());
    this.commands.push({ type: 'StartTimer', timerId: root.execTimer, fireAt: this.env.now + seconds * 1000, purpose: 'ExecutionTimeout' });
    this.touch(root);
  }

  cancelExecutionTimer(root: ExecFrame): void {
    if (!root.execTimer) return;
    this.commands.push({ type: 'CancelTimer', timerId: root.execTimer });
    delete root.execTimer;
  }
}
