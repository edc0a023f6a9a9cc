import type { Command, ExecutionState, HistoryEventDraft, StepEnvironment } from './contract';
import { applyPayloadTemplate } from '../asl/payloadTemplate';
import { PathNotFoundError } from '../asl/jsonpath';
import { resolvePath } from '../asl/resolvePath';
import { applyResultPath } from '../asl/resultPath';
import type { Scope } from '../asl/scope';
import { historyLimitCause, MAX_HISTORY_EVENTS, PACE_EVERY_TRANSITIONS } from './budgets';
import { compactJson, runtimeFailure, StateFailure, StepAbort, toStateFailure } from './failures';
import { childFrameId, derivedId, frameOfDerivedId, ROOT, type ControlFrame, type ExecFrame, type Frame } from './frames';
import { evaluateJsonata, evaluateJsonataTemplate, isJsonataExpression, type StatesBinding } from './jsonataEval';
import { machineAt, type StateDef } from './machine';
import { StateEnteredDetails, StateExitedDetails } from './historyDetails';
import { firstMatch, retryDelayMs, type Retrier } from './retryPolicy';
import { MAX_PAYLOAD_BYTES, payloadTooLarge } from './taskResources';

/** JSONPath states run synchronously; only JSONata evaluation (async in jsonata 2) returns a promise. */
export type MaybePromise = void | Promise<void>;
export type Action = () => MaybePromise;

/** What `run` awaits before it goes on: a state body (whose failure is the state's), or another promise. */
interface Awaited {
  promise: Promise<void>;
  state?: StateDef;
}

interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: unknown;
  Assign?: unknown;
}

/**
 * The interpreter's machinery shared by every state type: bookkeeping of frames, history and
 * commands, scopes ($, $$, variables, $states), state transitions, Retry/Catch and frame endings.
 * State types live in simpleStates.ts, taskState.ts and mapParallel.ts; Runner (runner.ts) wires them in.
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

export abstract class RunnerCore {
  readonly history: HistoryEventDraft[] = [];
  readonly commands: Command[] = [];
  readonly changed = new Set<string>();
  readonly removed = new Set<string>();
  readonly queue: Action[] = [];
  private lastJsonValue: unknown;
  private lastTouched: Frame | undefined;
  /** The frame enter() last moved, and the definition of the state it entered. */
  private enteredFrame: ExecFrame | undefined;
  private enteredDef: StateDef | undefined;
  private lastJsonText: string | undefined;
  /** Transitions left before the shell is offered a turn of the event loop (StepEnvironment.pace). */
  private paceCountdown = PACE_EVERY_TRANSITIONS;
  /** Set once a budget ended the step: nothing more is journaled, and step() fails the execution. */
  haltedBy: StepAbort | undefined;

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

  /** The next history event id, or undefined when the frame runs inside a Distributed Map (child executions are not journaled). */
  private nextEventId(f?: ExecFrame, type?: string): number | undefined {
    if (this.haltedBy) throw this.haltedBy;
    if (f && this.isSilent(f)) return undefined;
    const id = (this.state.historyCount ?? 0) + 1;
    // AWS: event 25 000 may only be ExecutionSucceeded; anything else fails the execution instead.
    const limit = this.env.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
    if (id > limit || (id === limit && type !== 'ExecutionSucceeded')) {
      throw this.halt(new StepAbort('fail', 'States.Runtime', historyLimitCause(limit)));
    }
    this.state.historyCount = id;
    return id;
  }

  /** Journals a history event (not for Distributed Map iterations); returns the last event id. */
  emit(type: string, details?: Record<string, unknown>, f?: ExecFrame): number {
    const id = this.nextEventId(f, type);
    if (id === undefined) return this.state.historyCount ?? 0;
    const sink = this.env.historySink;
    if (sink) sink.event(type, this.env.now, id, details);
    // One literal per shape: adding `details` afterwards would cost a map transition per event.
    else this.history.push(details ? { type, timestamp: this.env.now, id, details } : { type, timestamp: this.env.now, id });
    return id;
  }

  /** A *StateEntered event (see HistorySink: with a sink, no objects are made for it). */
  private emitEntered(f: ExecFrame, st: StateDef | undefined, name: string, input: string): number {
    const id = this.nextEventId(f);
    if (id === undefined) return this.state.historyCount ?? 0;
    const type = enteredType(st?.Type);
    const sink = this.env.historySink;
    if (sink) sink.entered(type, this.env.now, id, name, input, st);
    else this.history.push({ type, timestamp: this.env.now, id, details: new StateEnteredDetails(name, input, st) });
    return id;
  }

  private emitExited(f: ExecFrame, st: StateDef, output: string): void {
    const id = this.nextEventId(f);
    if (id === undefined) return;
    const type = exitedType(st.Type);
    const sink = this.env.historySink;
    if (sink) sink.exited(type, this.env.now, id, f.state, output);
    else this.history.push({ type, timestamp: this.env.now, id, details: new StateExitedDetails(f.state, output) });
  }

  isSilent(f: ExecFrame): boolean {
    let cur: ExecFrame | undefined = f;
    while (cur && cur.ctl) {
      const ctl = this.frame<ControlFrame>(cur.ctl);
      if (ctl?.distributed) return true;
      cur = cur.parent ? this.frame<ExecFrame>(cur.parent) : undefined;
    }
    return false;
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

  variables(f: ExecFrame): Record<string, unknown> {
    const chain: ExecFrame[] = [];
    for (let cur: ExecFrame | undefined = f; cur; cur = cur.parent ? this.frame<ExecFrame>(cur.parent) : undefined) {
      chain.push(cur);
      // Distributed Map iterations are child executions: no outer variables.
      if (cur.ctl && this.frame<ControlFrame>(cur.ctl)?.distributed) break;
    }
    if (chain.length === 1) return f.vars ?? {};
    const out: Record<string, unknown> = {};
    for (let i = chain.length - 1; i >= 0; i--) Object.assign(out, chain[i]!.vars);
    return out;
  }

  root(): ExecFrame {
    return this.frame<ExecFrame>(ROOT)!;
  }

  context(f: ExecFrame, extra?: { token?: string; item?: { index: number; value: unknown } }): Record<string, unknown> {
    const info = this.state.info;
    const execution: Record<string, unknown> = {
      Id: info.executionArn,
      Input: this.root().execInput ?? {},
      Name: info.executionName,
      RoleArn: info.roleArn,
      StartTime: info.startTime,
    };
    if ((info.type ?? 'STANDARD') === 'STANDARD') execution.RedriveCount = info.redriveCount ?? 0;
    const st = machineAt(this.def, f.machine).States[f.state];
    const state: Record<string, unknown> = { EnteredTime: new Date(f.enteredAt).toISOString(), Name: f.state };
    if (st && (st.Type === 'Task' || st.Type === 'Map' || st.Type === 'Parallel')) state.RetryCount = f.retryCount ?? 0;
    const ctx: Record<string, unknown> = {
      Execution: execution,
      State: state,
      StateMachine: { Id: info.stateMachineArn, Name: info.stateMachineName },
    };
    if (extra?.token !== undefined) ctx.Task = { Token: extra.token };
    if (extra?.item) ctx.Map = { Item: { Index: extra.item.index, Value: extra.item.value } };
    return ctx;
  }

  /** Context and variables are built only if an expression reads them (most Pass states don't). */
  scope(f: ExecFrame, input: unknown, ctx?: Record<string, unknown>): Scope {
    return new LazyScope(this, f, input, ctx);
  }

  statesBinding(f: ExecFrame, input: unknown, extra?: Partial<StatesBinding>, ctx?: Record<string, unknown>): StatesBinding {
    let context = ctx;
    const build = () => (context ??= this.context(f));
    return {
      input,
      get context() {
        return build();
      },
      ...extra,
    };
  }

  jsonataEnv(): { now: number; random(): number; pace?: () => Promise<void> | undefined } {
    return this.env.pace ? { now: this.env.now, random: () => this.env.random(), pace: () => this.pace() } : { now: this.env.now, random: () => this.env.random() };
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
    const id = Math.min((this.state.historyCount ?? 0) + 1, this.env.maxHistoryEvents ?? MAX_HISTORY_EVENTS);
    this.state.historyCount = id;
    const details = { error: abort.error, cause: abort.causeText };
    const sink = this.env.historySink;
    if (sink) sink.event('ExecutionFailed', this.env.now, id, details);
    else this.history.push({ type: 'ExecutionFailed', timestamp: this.env.now, id, details });
    this.state.status = 'FAILED';
    this.commands.push({ type: 'ExecutionEnded', status: 'FAILED', error: abort.error, cause: abort.causeText });
  }

  // ------------------------------------------------------------------ JSONPath helpers

  readRef(path: string, scope: Scope): unknown {
    return resolvePath(path, scope);
  }

  inputPath(f: ExecFrame, st: StateDef, raw: unknown): unknown {
    return this.pathField(f, st, 'InputPath', raw);
  }

  outputPath(f: ExecFrame, st: StateDef, out: unknown): unknown {
    return this.pathField(f, st, 'OutputPath', out);
  }

  /** InputPath/OutputPath: absent keeps `value`, null gives `{}`, a path selects from `value`. */
  private pathField(f: ExecFrame, st: StateDef, field: 'InputPath' | 'OutputPath', value: unknown): unknown {
    if (!(field in st)) return value;
    if (st[field] === null) return {};
    const path = String(st[field]);
    try {
      return this.readRef(path, this.scope(f, value));
    } catch (e) {
      if (e instanceof PathNotFoundError) throw runtimeFailure(`Invalid path '${path}' : ${e.message}`);
      throw e;
    }
  }

  template(template: unknown, scope: Scope): unknown {
    return applyPayloadTemplate(template, scope, { newId: () => this.env.newId(), random: () => this.env.random() });
  }

  /** Evaluates a JSONPath-mode Assign against `input`; committed later so outputs see the old values. */
  assignJsonPath(f: ExecFrame, assign: unknown, input: unknown, ctx?: Record<string, unknown>): Record<string, unknown> | undefined {
    if (assign === undefined) return undefined;
    return this.template(assign, this.scope(f, input, ctx)) as Record<string, unknown>;
  }

  /** `owner` prefixes the field AWS names in causes: `Choices[1]/` for a matched rule, `Catch[0]/` for a catcher. */
  async assignJsonata(f: ExecFrame, assign: unknown, states: StatesBinding, owner = ''): Promise<Record<string, unknown> | undefined> {
    if (assign === undefined) return undefined;
    const out: Record<string, unknown> = {};
    const vars = this.variables(f);
    for (const [k, v] of Object.entries(assign as Record<string, unknown>)) {
      out[k] = await evaluateJsonataTemplate(v, states, vars, `${owner}Assign/${k}`, this.jsonataEnv());
    }
    return out;
  }

  commitVars(f: ExecFrame, assigned: Record<string, unknown> | undefined): void {
    if (!assigned) return;
    f.vars = { ...f.vars, ...assigned };
    this.touch(f);
  }

  async jsonataValue(f: ExecFrame, value: unknown, states: StatesBinding, field: string): Promise<unknown> {
    if (!isJsonataExpression(value)) return value;
    return evaluateJsonata(value, states, this.variables(f), field, this.jsonataEnv());
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
    f.entered = this.emitEntered(f, st, name, this.json(input));
    this.touch(f);
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

  /** Leaves the current state with `output`, then enters the next one or ends the frame. */
  exit(f: ExecFrame, st: StateDef, output: unknown, next?: string): void {
    const text = this.json(output);
    if (text.length > MAX_PAYLOAD_BYTES / 3 && payloadTooLarge(output)) {
      throw new StateFailure('States.DataLimitExceeded', `The state/task '${f.state}' returned a result with a size exceeding the maximum number of bytes service limit.`);
    }
    this.emitExited(f, st, text);
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
        return { promise: this.handleFailure(f, st, toStateFailure(e)) };
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
        await this.handleFailure(f, next.state, toStateFailure(e));
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
      const states = this.statesBinding(f, raw, { result });
      const vars = this.variables(f);
      const assigned = await this.assignJsonata(f, st.Assign, states);
      const out = 'Output' in st ? await evaluateJsonataTemplate(st.Output, states, vars, 'Output', this.jsonataEnv()) : result;
      this.commitVars(f, assigned);
      return this.exit(f, st, out);
    }
    const selected = 'ResultSelector' in st ? this.template(st.ResultSelector, this.scope(f, result)) : result;
    const assigned = this.assignJsonPath(f, st.Assign, selected);
    const out = this.outputPath(f, st, applyResultPath(raw, st.ResultPath as string | null | undefined, selected));
    this.commitVars(f, assigned);
    return this.exit(f, st, out);
  }

  // ------------------------------------------------------------------ errors: Retry / Catch

  /** A state failed: retry it, catch it, or fail the frame. */
  async handleFailure(f: ExecFrame, st: StateDef, failure: StateFailure, containerFailedEvent = false): Promise<void> {
    const cause = this.journalFailure(f, failure);
    const canHandle = st.Type === 'Task' || st.Type === 'Parallel' || st.Type === 'Map';
    if (canHandle && failure.error !== 'States.Runtime') {
      const retriers = st.Retry as Retrier[] | undefined;
      const ri = firstMatch(retriers, failure.error);
      if (ri >= 0) {
        const retries = (f.retries ??= []);
        const count = retries[ri] ?? 0;
        const delay = retryDelayMs(retriers![ri]!, count, () => this.env.random());
        if (delay !== undefined) {
          this.dropFailedChildren(f);
          retries[ri] = count + 1;
          f.retryCount = (f.retryCount ?? 0) + 1;
          const timerId = derivedId(f.id, 'r', this.nextSeq());
          f.pending = { kind: 'retry', timerId };
          this.touch(f);
          this.commands.push({ type: 'StartTimer', timerId, fireAt: this.env.now + delay, purpose: 'Retry' });
          return;
        }
      }
      // AWS journals Map/ParallelStateFailed once the state gives up (not before a retry).
      if ((st.Type === 'Map' || st.Type === 'Parallel') && (containerFailedEvent || failure.evaluation)) this.emit(`${st.Type}StateFailed`, undefined, f);
      const catchers = st.Catch as Catcher[] | undefined;
      const ci = firstMatch(catchers, failure.error);
      if (ci >= 0) {
        this.dropFailedChildren(f);
        const catcher = catchers![ci]!;
        // AWS binds "" to whichever of error/cause the failure lacks (a task timeout has no cause, for one).
        const errorOutput: Record<string, unknown> = { Error: failure.error, Cause: cause ?? '' };
        try {
          let out: unknown;
          let assigned: Record<string, unknown> | undefined;
          if (this.isJsonata(st)) {
            const states = this.statesBinding(f, f.input, { errorOutput });
            assigned = await this.assignJsonata(f, catcher.Assign, states, `Catch[${ci}]/`);
            out = 'Output' in catcher ? await evaluateJsonataTemplate(catcher.Output, states, this.variables(f), `Catch[${ci}]/Output`, this.jsonataEnv()) : errorOutput;
          } else {
            assigned = this.assignJsonPath(f, catcher.Assign, errorOutput);
            out = applyResultPath(f.input, catcher.ResultPath, errorOutput);
          }
          this.commitVars(f, assigned);
          this.exit(f, st, out, catcher.Next);
        } catch (e) {
          // A failing Catch (its Output/Assign/ResultPath) fails the state; it is not caught again.
          const again = toStateFailure(e);
          this.frameFailed(f, again.error, this.journalFailure(f, again));
        }
        return;
      }
    }
    this.frameFailed(f, failure.error === '' ? undefined : failure.error, cause);
  }

  /** Adds AWS's state prefix to runtime/evaluation causes and journals EvaluationFailed; returns the cause. */
  journalFailure(f: ExecFrame, failure: StateFailure): string | undefined {
    let cause = failure.causeText;
    if (failure.needsPrefix && cause !== undefined) {
      cause = `An error occurred while executing the state '${f.state}' (entered at the event id #${f.entered}). ${cause}`;
    }
    if (failure.evaluation) {
      const d: Record<string, unknown> = { error: failure.error, state: f.state };
      if (cause !== undefined) d.cause = cause;
      this.emit('EvaluationFailed', d, f);
    }
    return cause;
  }

  /** A retry back-off elapsed: run the state's body again (without a new StateEntered event). */
  async retryElapsed(f: ExecFrame): Promise<void> {
    delete f.pending;
    this.touch(f);
    const st = this.stateDef(f);
    try {
      await this.execState(f, st);
    } catch (e) {
      if (f.status === 'running') await this.handleFailure(f, st, toStateFailure(e));
    }
    await this.run(f);
  }

  // ------------------------------------------------------------------ frame completion

  frameSucceeded(f: ExecFrame, output: unknown): void {
    f.status = 'succeeded';
    f.output = output;
    this.touch(f);
    if (f.id === ROOT) {
      this.cancelExecutionTimer(f);
      this.emit('ExecutionSucceeded', { output: this.json(output) });
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
      this.emit('ExecutionFailed', d);
      this.state.status = 'FAILED';
      const cmd: Command & { type: 'ExecutionEnded' } = { type: 'ExecutionEnded', status: 'FAILED' };
      if (error !== undefined) cmd.error = error;
      if (cause !== undefined) cmd.cause = cause;
      this.commands.push(cmd);
      return;
    }
    this.childEnded(f);
  }

  /**
   * Cancels whatever a frame waits for, recursively, journaling the *Aborted events unless `silent`
   * (an execution that times out journals only ExecutionTimedOut).
   */
  abortFrame(f: ExecFrame, silent = false): void {
    if (f.status !== 'running') return;
    const p = f.pending;
    const st = machineAt(this.def, f.machine).States[f.state];
    if (p?.kind === 'task') {
      // A task whose timeout elapsed at this very instant timed out before it was aborted (AWS journals both).
      if (!silent && p.timeoutAt !== undefined && p.timeoutAt <= this.env.now) {
        const lambda = p.lambda === 'direct' && p.token === undefined;
        this.emit(lambda ? 'LambdaFunctionTimedOut' : 'TaskTimedOut', { error: 'States.Timeout' }, f);
      }
      this.clearTaskTimers(f);
      this.commands.push({ type: 'CancelTask', taskId: p.taskId });
    } else if (p?.kind === 'wait' || p?.kind === 'retry') {
      this.commands.push({ type: 'CancelTimer', timerId: p.timerId });
    } else if (p?.kind === 'children') {
      this.abortChildren(p.ctl, false, silent);
    }
    if (!silent) this.emit(`${st?.Type ?? 'Unknown'}StateAborted`, { name: f.state }, f);
    delete f.pending;
    f.status = 'aborted';
    this.touch(f);
  }

  /** Aborts the running children of a Parallel/Map; `keep` leaves the frames for a later redrive. */
  abortChildren(ctlId: string, keep = false, silent = false): void {
    const ctl = this.frame<ControlFrame>(ctlId);
    if (!ctl) return;
    ctl.closed = true;
    this.touch(ctl);
    const started = ctl.type === 'map' ? ctl.next : ctl.total;
    for (let i = 0; i < started; i++) {
      const child = this.frame<ExecFrame>(childFrameId(ctl.id, i));
      if (child?.status === 'running') {
        this.abortFrame(child, silent);
        if (!silent && ctl.type === 'map' && !ctl.distributed) this.emit('MapIterationAborted', { index: i, name: ctl.stateName });
      }
    }
    if (!keep) this.dropChildren(ctl);
  }

  /** Removes a control frame and its children, with any failed grandchildren kept for redrive. */
  dropChildren(ctl: ControlFrame): void {
    for (let i = 0; i < ctl.total; i++) {
      const id = childFrameId(ctl.id, i);
      const child = this.frame<ExecFrame>(id);
      if (child?.failedCtl) this.dropFailedChildren(child);
      this.drop(id);
    }
    this.drop(ctl.id);
  }

  /** The failed Map/Parallel attempt is over (retried, caught or redriven past): forget its children. */
  dropFailedChildren(f: ExecFrame): void {
    if (!f.failedCtl) return;
    const ctl = this.frame<ControlFrame>(f.failedCtl);
    delete f.failedCtl;
    this.touch(f);
    if (ctl) this.dropChildren(ctl);
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

  /**
   * The definition's TimeoutSeconds elapsed. AWS journals only ExecutionTimedOut (error
   * States.Timeout, no cause) after the last event, and DescribeExecution shows TIMED_OUT with
   * neither error nor cause (measured against AWS: github.com/floci-io/floci/issues/2733).
   */
  executionTimedOut(root: ExecFrame): void {
    delete root.execTimer;
    this.abortFrame(root, true);
    this.emit('ExecutionTimedOut', { error: 'States.Timeout' });
    this.state.status = 'TIMED_OUT';
    this.commands.push({ type: 'ExecutionEnded', status: 'TIMED_OUT' });
  }

  cancelExecutionTimer(root: ExecFrame): void {
    if (!root.execTimer) return;
    this.commands.push({ type: 'CancelTimer', timerId: root.execTimer });
    delete root.execTimer;
  }
}

/** A Scope whose context object and variables are built on first read (prototype getters: no per-call closures). */
class LazyScope implements Scope {
  private ctx: Record<string, unknown> | undefined;
  private vars: Record<string, unknown> | undefined;

  constructor(
    private readonly runner: RunnerCore,
    private readonly frame: ExecFrame,
    readonly input: unknown,
    ctx: Record<string, unknown> | undefined,
  ) {
    this.ctx = ctx;
  }

  get context(): unknown {
    return (this.ctx ??= this.runner.context(this.frame));
  }

  get variables(): Record<string, unknown> {
    return (this.vars ??= this.runner.variables(this.frame));
  }
}
