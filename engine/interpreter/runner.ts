/**
 * One step of the interpreter: applies an event to the execution state, then runs every frame that
 * can make progress until each is blocked on a task, a timer or its children. Mutates the state it
 * is given (the shell persists the frames listed in changedFrames/removedFrames).
 */
import type { Command, ExecutionState, HistoryEventDraft, StepEnvironment } from './contract';
import { applyPayloadTemplate } from '../asl/payloadTemplate';
import { evaluateChoiceRule } from '../asl/choiceRules';
import { evaluateIntrinsic } from '../asl/intrinsics';
import { applyResultPath, PathNotFoundError, resolvePath } from '../asl/jsonpath';
import type { Scope } from '../asl/scope';
import { compactJson, queryEvaluationFailure, runtimeFailure, StateFailure, toStateFailure } from './failures';
import { childFrameId, derivedId, frameOfDerivedId, ROOT, type ControlFrame, type ExecFrame, type Frame } from './frames';
import { evaluateJsonata, evaluateJsonataTemplate, isJsonataExpression, type StatesBinding } from './jsonataEval';
import { machineAt, type StateDef } from './machine';
import { exceedsTolerance, hasTolerance } from './mapTolerance';
import { firstMatch, retryDelayMs, type Retrier } from './retryPolicy';
import { isValidTimestamp, parseTimestampMs } from './timestamps';
import { classifyResource, dataLimitSubject, MAX_PAYLOAD_BYTES, payloadTooLarge } from './taskResources';

type Action = () => Promise<void>;

interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: unknown;
  Assign?: unknown;
}

export class Runner {
  readonly history: HistoryEventDraft[] = [];
  readonly commands: Command[] = [];
  readonly changed = new Set<string>();
  readonly removed = new Set<string>();
  private readonly queue: Action[] = [];

  constructor(
    private readonly def: object,
    readonly state: ExecutionState,
    private readonly env: StepEnvironment,
  ) {}

  // ------------------------------------------------------------------ bookkeeping

  frame<T extends Frame = Frame>(id: string): T | undefined {
    return this.state.frames[id] as T | undefined;
  }

  private put(f: Frame): void {
    this.state.frames[f.id] = f;
    this.changed.add(f.id);
    this.removed.delete(f.id);
  }

  touch(f: Frame): void {
    this.changed.add(f.id);
  }

  private drop(id: string): void {
    if (!(id in this.state.frames)) return;
    delete this.state.frames[id];
    this.changed.delete(id);
    this.removed.add(id);
  }

  private nextSeq(): number {
    this.state.seq += 1;
    return this.state.seq;
  }

  /** Journals a history event unless the frame runs inside a Distributed Map (child executions). */
  emit(type: string, details?: Record<string, unknown>, f?: ExecFrame): number {
    if (f && this.isSilent(f)) return this.state.historyCount ?? 0;
    const id = (this.state.historyCount ?? 0) + 1;
    this.state.historyCount = id;
    const ev: HistoryEventDraft = { type, timestamp: this.env.now, id };
    if (details) ev.details = details;
    this.history.push(ev);
    return id;
  }

  private isSilent(f: ExecFrame): boolean {
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
    for (let i = 0; i < this.queue.length; i++) await this.queue[i]!();
    this.queue.length = 0;
  }

  // ------------------------------------------------------------------ scopes

  private stateDef(f: ExecFrame): StateDef {
    const st = machineAt(this.def, f.machine).States[f.state];
    if (!st) throw runtimeFailure(`State '${f.state}' does not exist`);
    return st;
  }

  private isJsonata(st: StateDef): boolean {
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

  private root(): ExecFrame {
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
  private scope(f: ExecFrame, input: unknown, ctx?: Record<string, unknown>): Scope {
    let context = ctx;
    let variables: Record<string, unknown> | undefined;
    const build = {
      context: () => (context ??= this.context(f)),
      variables: () => (variables ??= this.variables(f)),
    };
    return {
      input,
      get context() {
        return build.context();
      },
      get variables() {
        return build.variables();
      },
    };
  }

  private statesBinding(f: ExecFrame, input: unknown, extra?: Partial<StatesBinding>, ctx?: Record<string, unknown>): StatesBinding {
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

  private jsonataEnv(): { now: number; random(): number } {
    return { now: this.env.now, random: () => this.env.random() };
  }

  // ------------------------------------------------------------------ JSONPath helpers

  private readRef(path: string, scope: Scope): unknown {
    return resolvePath(path, scope);
  }

  private inputPath(f: ExecFrame, st: StateDef, raw: unknown): unknown {
    if (!('InputPath' in st)) return raw;
    if (st.InputPath === null) return {};
    const path = String(st.InputPath);
    try {
      return this.readRef(path, this.scope(f, raw));
    } catch (e) {
      if (e instanceof PathNotFoundError) throw runtimeFailure(`Invalid path '${path}' : ${e.message}`);
      throw e;
    }
  }

  private outputPath(f: ExecFrame, st: StateDef, out: unknown): unknown {
    if (!('OutputPath' in st)) return out;
    if (st.OutputPath === null) return {};
    const path = String(st.OutputPath);
    try {
      return this.readRef(path, this.scope(f, out));
    } catch (e) {
      if (e instanceof PathNotFoundError) throw runtimeFailure(`Invalid path '${path}' : ${e.message}`);
      throw e;
    }
  }

  private template(template: unknown, scope: Scope): unknown {
    return applyPayloadTemplate(template, scope, { newId: () => this.env.newId(), random: () => this.env.random() });
  }

  /** Evaluates a JSONPath-mode Assign against `input`; committed later so outputs see the old values. */
  private assignJsonPath(f: ExecFrame, assign: unknown, input: unknown, ctx?: Record<string, unknown>): Record<string, unknown> | undefined {
    if (assign === undefined) return undefined;
    return this.template(assign, this.scope(f, input, ctx)) as Record<string, unknown>;
  }

  private async assignJsonata(f: ExecFrame, assign: unknown, states: StatesBinding): Promise<Record<string, unknown> | undefined> {
    if (assign === undefined) return undefined;
    const out: Record<string, unknown> = {};
    const vars = this.variables(f);
    for (const [k, v] of Object.entries(assign as Record<string, unknown>)) {
      out[k] = await evaluateJsonataTemplate(v, states, vars, `Assign/${k}`, this.jsonataEnv());
    }
    return out;
  }

  private commitVars(f: ExecFrame, assigned: Record<string, unknown> | undefined): void {
    if (!assigned) return;
    f.vars = { ...f.vars, ...assigned };
    this.touch(f);
  }

  private async jsonataValue(f: ExecFrame, value: unknown, states: StatesBinding, field: string): Promise<unknown> {
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
    f.state = name;
    f.input = input;
    f.enteredAt = this.env.now;
    delete f.retries;
    delete f.retryCount;
    delete f.pending;
    f.entered = this.emit(`${st?.Type ?? 'Unknown'}StateEntered`, { name, input: compactJson(input) }, f);
    this.touch(f);
  }

  /** Leaves the current state with `output`, then enters the next one or ends the frame. */
  private exit(f: ExecFrame, st: StateDef, output: unknown, next?: string): void {
    const text = compactJson(output);
    if (text.length > MAX_PAYLOAD_BYTES / 3 && payloadTooLarge(output)) {
      throw new StateFailure('States.DataLimitExceeded', `The state/task '${f.state}' returned a result with a size exceeding the maximum number of bytes service limit.`);
    }
    this.emit(`${st.Type}StateExited`, { name: f.state, output: text }, f);
    const target = next ?? st.Next;
    if (st.Type === 'Succeed' || (st.End === true && next === undefined) || target === undefined) {
      this.frameSucceeded(f, output);
      return;
    }
    this.enter(f, target, output);
  }

  /** Runs a frame's states until it blocks or ends. */
  async run(f: ExecFrame): Promise<void> {
    while (f.status === 'running' && !f.pending) {
      const st = this.stateDef(f);
      try {
        await this.execState(f, st);
      } catch (e) {
        if (f.status !== 'running') return;
        await this.handleFailure(f, st, toStateFailure(e));
      }
    }
  }

  private async execState(f: ExecFrame, st: StateDef): Promise<void> {
    switch (st.Type) {
      case 'Pass':
        return this.execPass(f, st);
      case 'Task':
        return this.startTask(f, st);
      case 'Choice':
        return this.execChoice(f, st);
      case 'Wait':
        return this.execWait(f, st);
      case 'Succeed':
        return this.execSucceed(f, st);
      case 'Fail':
        return this.execFail(f, st);
      case 'Parallel':
        return this.startParallel(f, st);
      case 'Map':
        return this.startMap(f, st);
      default:
        throw runtimeFailure(`Unsupported state type '${st.Type}'`);
    }
  }

  // ------------------------------------------------------------------ simple states

  private async execPass(f: ExecFrame, st: StateDef): Promise<void> {
    const raw = f.input;
    if (this.isJsonata(st)) {
      const states = this.statesBinding(f, raw);
      const vars = this.variables(f);
      const assigned = await this.assignJsonata(f, st.Assign, states);
      const out = 'Output' in st ? await evaluateJsonataTemplate(st.Output, states, vars, 'Output', this.jsonataEnv()) : raw;
      this.commitVars(f, assigned);
      return this.exit(f, st, out);
    }
    let eff = this.inputPath(f, st, raw);
    if ('Parameters' in st) eff = this.template(st.Parameters, this.scope(f, eff));
    const result = 'Result' in st ? st.Result : eff;
    const assigned = this.assignJsonPath(f, st.Assign, result);
    const out = this.outputPath(f, st, applyResultPath(raw, st.ResultPath as string | null | undefined, result));
    this.commitVars(f, assigned);
    return this.exit(f, st, out);
  }

  private async execChoice(f: ExecFrame, st: StateDef): Promise<void> {
    const raw = f.input;
    const choices = (st.Choices ?? []) as Record<string, unknown>[];
    if (this.isJsonata(st)) {
      const states = this.statesBinding(f, raw);
      const vars = this.variables(f);
      let matched: Record<string, unknown> | undefined;
      for (let i = 0; i < choices.length; i++) {
        const rule = choices[i]!;
        const v = await this.jsonataValue(f, rule.Condition, states, `Choices[${i}].Condition`);
        if (typeof v !== 'boolean') {
          throw queryEvaluationFailure(
            `The JSONata expression '${String(rule.Condition).slice(2, -2).trim()}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${jsonTypeName(v)}' for value: ${compactJson(v)}`,
          );
        }
        if (v) {
          matched = rule;
          break;
        }
      }
      const src = matched ?? st;
      const next = matched ? String(matched.Next) : (st.Default as string | undefined);
      if (next === undefined) throw new StateFailure('States.NoChoiceMatched', `No Matches!`);
      const assigned = await this.assignJsonata(f, src.Assign, states);
      const out = 'Output' in src ? await evaluateJsonataTemplate(src.Output, states, vars, 'Output', this.jsonataEnv()) : raw;
      this.commitVars(f, assigned);
      return this.exit(f, st, out, next);
    }
    const eff = this.inputPath(f, st, raw);
    const scope = this.scope(f, eff);
    let matched: Record<string, unknown> | undefined;
    for (const rule of choices) {
      if (evaluateChoiceRule(rule, scope)) {
        matched = rule;
        break;
      }
    }
    const next = matched ? String(matched.Next) : (st.Default as string | undefined);
    if (next === undefined) throw new StateFailure('States.NoChoiceMatched', `No Matches!`);
    const assigned = this.assignJsonPath(f, (matched ?? st).Assign, eff);
    const out = this.outputPath(f, st, eff);
    this.commitVars(f, assigned);
    return this.exit(f, st, out, next);
  }

  private async execSucceed(f: ExecFrame, st: StateDef): Promise<void> {
    const raw = f.input;
    if (this.isJsonata(st)) {
      const states = this.statesBinding(f, raw);
      const out = 'Output' in st ? await evaluateJsonataTemplate(st.Output, states, this.variables(f), 'Output', this.jsonataEnv()) : raw;
      return this.exit(f, st, out);
    }
    const out = this.outputPath(f, st, this.inputPath(f, st, raw));
    return this.exit(f, st, out);
  }

  private async execFail(f: ExecFrame, st: StateDef): Promise<void> {
    const raw = f.input;
    let error: unknown = st.Error;
    let cause: unknown = st.Cause;
    if (this.isJsonata(st)) {
      const states = this.statesBinding(f, raw);
      error = await this.jsonataValue(f, error, states, 'Error');
      cause = await this.jsonataValue(f, cause, states, 'Cause');
    } else {
      const scope = this.scope(f, raw);
      const read = (field: 'ErrorPath' | 'CausePath'): unknown => {
        const path = String(st[field]);
        if (path.startsWith('States.')) return evaluateIntrinsic(path, scope, { newId: () => this.env.newId(), random: () => this.env.random() });
        try {
          return this.readRef(path, scope);
        } catch (e) {
          if (e instanceof PathNotFoundError) {
            throw runtimeFailure(`The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${compactJson(raw)}'`);
          }
          throw e;
        }
      };
      if (typeof st.ErrorPath === 'string') error = read('ErrorPath');
      if (typeof st.CausePath === 'string') cause = read('CausePath');
    }
    const err = error === undefined || error === null ? undefined : typeof error === 'string' ? error : JSON.stringify(error);
    const cau = cause === undefined || cause === null ? undefined : typeof cause === 'string' ? cause : JSON.stringify(cause);
    this.frameFailed(f, err, cau);
  }

  private async execWait(f: ExecFrame, st: StateDef): Promise<void> {
    const raw = f.input;
    let fireAt: number;
    let out: unknown;
    let assigned: Record<string, unknown> | undefined;
    if (this.isJsonata(st)) {
      const states = this.statesBinding(f, raw);
      if ('Seconds' in st) {
        const s = await this.jsonataValue(f, st.Seconds, states, 'Seconds');
        if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
          throw queryEvaluationFailure(`The Seconds field must be a positive integer, but was: ${compactJson(s)}`);
        }
        fireAt = this.env.now + s * 1000;
      } else {
        const ts = await this.jsonataValue(f, st.Timestamp, states, 'Timestamp');
        if (typeof ts !== 'string' || !isValidTimestamp(ts)) {
          throw queryEvaluationFailure(`The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${String(ts)}`);
        }
        fireAt = parseTimestampMs(ts);
      }
      assigned = await this.assignJsonata(f, st.Assign, states);
      out = 'Output' in st ? await evaluateJsonataTemplate(st.Output, states, this.variables(f), 'Output', this.jsonataEnv()) : raw;
    } else {
      const ctx = this.context(f);
      const eff = this.inputPath(f, st, raw);
      const scope = this.scope(f, eff, ctx);
      if ('Seconds' in st) fireAt = this.env.now + Number(st.Seconds) * 1000;
      else if ('Timestamp' in st) fireAt = parseTimestampMs(String(st.Timestamp));
      else if ('SecondsPath' in st) {
        const path = String(st.SecondsPath);
        let v: unknown;
        try {
          v = this.readRef(path, scope);
        } catch (e) {
          if (e instanceof PathNotFoundError) throw runtimeFailure(`The SecondsPath parameter does not reference an input value: ${path}`);
          throw e;
        }
        if (typeof v !== 'number' || !Number.isInteger(v)) {
          throw runtimeFailure(`The SecondsPath parameter cannot be parsed as a long value: ${path} == ${typeof v === 'string' ? v : compactJson(v)}`);
        }
        fireAt = this.env.now + v * 1000;
      } else {
        const path = String(st.TimestampPath);
        let v: unknown;
        try {
          v = this.readRef(path, scope);
        } catch (e) {
          if (e instanceof PathNotFoundError) throw runtimeFailure(`The TimestampPath parameter does not reference an input value: ${path}`);
          throw e;
        }
        if (typeof v !== 'string' || !isValidTimestamp(v)) {
          throw runtimeFailure(
            `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${path} == ${typeof v === 'string' ? v : compactJson(v)}`,
          );
        }
        fireAt = parseTimestampMs(v);
      }
      assigned = this.assignJsonPath(f, st.Assign, eff, ctx);
      out = this.outputPath(f, st, eff);
    }
    this.commitVars(f, assigned);
    if (fireAt <= this.env.now) return this.exit(f, st, out);
    const timerId = derivedId(f.id, 'w', this.nextSeq());
    f.pending = { kind: 'wait', timerId };
    f.output = out;
    this.touch(f);
    this.commands.push({ type: 'StartTimer', timerId, fireAt, purpose: 'Wait' });
  }

  /** A Wait timer fired: leave the Wait state. */
  async waitElapsed(f: ExecFrame): Promise<void> {
    const st = this.stateDef(f);
    const out = f.output;
    delete f.pending;
    delete f.output;
    try {
      this.exit(f, st, out);
    } catch (e) {
      await this.handleFailure(f, st, toStateFailure(e));
    }
    await this.run(f);
  }

  // ------------------------------------------------------------------ Task

  private async startTask(f: ExecFrame, st: StateDef): Promise<void> {
    const resource = String(st.Resource);
    const kind = classifyResource(resource);
    const token = kind.waitForTaskToken ? this.env.newId() : undefined;
    const ctx = this.context(f, token === undefined ? undefined : { token });
    const raw = f.input;
    let params: unknown;
    let timeoutSeconds: unknown = st.TimeoutSeconds;
    let heartbeatSeconds: unknown = st.HeartbeatSeconds;
    if (this.isJsonata(st)) {
      const states = this.statesBinding(f, raw, undefined, ctx);
      params = 'Arguments' in st ? await evaluateJsonataTemplate(st.Arguments, states, this.variables(f), 'Arguments', this.jsonataEnv()) : raw;
      timeoutSeconds = await this.jsonataValue(f, timeoutSeconds, states, 'TimeoutSeconds');
      heartbeatSeconds = await this.jsonataValue(f, heartbeatSeconds, states, 'HeartbeatSeconds');
    } else {
      const eff = this.inputPath(f, st, raw);
      const scope = this.scope(f, eff, ctx);
      params = 'Parameters' in st ? this.template(st.Parameters, scope) : eff;
      if (typeof st.TimeoutSecondsPath === 'string') timeoutSeconds = this.positiveIntPath(st.TimeoutSecondsPath, 'TimeoutSecondsPath', scope);
      if (typeof st.HeartbeatSecondsPath === 'string') heartbeatSeconds = this.positiveIntPath(st.HeartbeatSecondsPath, 'HeartbeatSecondsPath', scope);
    }
    const payload = kind.lambda === 'service' ? (isObject(params) && 'Payload' in params ? params.Payload : {}) : params;
    const seq = this.nextSeq();
    const taskId = derivedId(f.id, 't', seq);
    const lambdaEvents = kind.lambda === 'direct' && !kind.waitForTaskToken;
    if (lambdaEvents) {
      const d: Record<string, unknown> = { resource, input: compactJson(payload) };
      if (typeof timeoutSeconds === 'number') d.timeoutInSeconds = timeoutSeconds;
      this.emit('LambdaFunctionScheduled', d, f);
      this.emit('LambdaFunctionStarted', undefined, f);
    } else {
      const { resourceType, resourceName } = kind;
      const d: Record<string, unknown> = { resourceType, resource: resourceName, region: regionOf(this.state.info.stateMachineArn), parameters: compactJson(params) };
      if (typeof timeoutSeconds === 'number') d.timeoutInSeconds = timeoutSeconds;
      if (typeof heartbeatSeconds === 'number') d.heartbeatInSeconds = heartbeatSeconds;
      this.emit('TaskScheduled', d, f);
      this.emit('TaskStarted', { resourceType, resource: resourceName }, f);
    }
    const pending: ExecFrame['pending'] & { kind: 'task' } = { kind: 'task', taskId, lambda: kind.lambda };
    if (token !== undefined) pending.token = token;
    if (typeof timeoutSeconds === 'number' && timeoutSeconds > 0) {
      pending.timeoutTimer = derivedId(f.id, 'T', seq);
      this.commands.push({ type: 'StartTimer', timerId: pending.timeoutTimer, fireAt: this.env.now + timeoutSeconds * 1000, purpose: 'TaskTimeout' });
    }
    if (typeof heartbeatSeconds === 'number' && heartbeatSeconds > 0) {
      pending.heartbeatSeconds = heartbeatSeconds;
      pending.heartbeatTimer = derivedId(f.id, 'H', seq);
      this.commands.push({
        type: 'StartTimer',
        timerId: pending.heartbeatTimer,
        fireAt: this.env.now + heartbeatSeconds * 1000,
        purpose: 'HeartbeatTimeout',
      });
    }
    f.pending = pending;
    this.touch(f);
    const cmd: Command & { type: 'InvokeTask' } = {
      type: 'InvokeTask',
      taskId,
      resource,
      payload,
      parameters: params,
      stateName: f.state,
      idempotencyKey: this.idempotencyKey(f),
    };
    if (token !== undefined) cmd.taskToken = token;
    this.commands.push(cmd);
  }

  private positiveIntPath(path: string, field: string, scope: Scope): number {
    let v: unknown;
    try {
      v = this.readRef(path, scope);
    } catch (e) {
      if (e instanceof PathNotFoundError) throw runtimeFailure(`The ${field} parameter does not reference an input value: ${path}`);
      throw e;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw runtimeFailure(`The ${field} parameter cannot be parsed as a positive integer value: ${path} == ${compactJson(v)}`);
    }
    return v;
  }

  private idempotencyKey(f: ExecFrame): string {
    const indexes: number[] = [];
    for (let cur: ExecFrame | undefined = f; cur && cur.ctl; cur = cur.parent ? this.frame<ExecFrame>(cur.parent) : undefined) indexes.unshift(cur.index);
    return [this.state.info.executionArn, f.state, String(f.retryCount ?? 0), ...indexes.map(String)].join('|');
  }

  private clearTaskTimers(f: ExecFrame): void {
    const p = f.pending;
    if (p?.kind !== 'task') return;
    if (p.timeoutTimer) this.commands.push({ type: 'CancelTimer', timerId: p.timeoutTimer });
    if (p.heartbeatTimer) this.commands.push({ type: 'CancelTimer', timerId: p.heartbeatTimer });
  }

  private taskEventPrefix(f: ExecFrame): 'LambdaFunction' | 'Task' {
    const p = f.pending;
    return p?.kind === 'task' && p.lambda === 'direct' && p.token === undefined ? 'LambdaFunction' : 'Task';
  }

  async taskSucceeded(f: ExecFrame, output: unknown): Promise<void> {
    const st = this.stateDef(f);
    const prefix = this.taskEventPrefix(f);
    const p = f.pending as ExecFrame['pending'] & { kind: 'task' };
    this.clearTaskTimers(f);
    delete f.pending;
    this.touch(f);
    if (payloadTooLarge(output)) {
      const failure = new StateFailure(
        'States.DataLimitExceeded',
        `The state/task '${dataLimitSubject(String(st.Resource))}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
      this.emit(`${prefix}Failed`, { error: failure.error, cause: failure.causeText }, f);
      await this.handleFailure(f, st, failure);
      await this.run(f);
      return;
    }
    this.emit(`${prefix}Succeeded`, { output: compactJson(output) }, f);
    const result = p.lambda === 'service' && p.token === undefined ? { ExecutedVersion: '$LATEST', Payload: output, StatusCode: 200 } : output;
    try {
      await this.finishWithResult(f, st, result);
    } catch (e) {
      if (f.status === 'running') await this.handleFailure(f, st, toStateFailure(e));
    }
    await this.run(f);
  }

  async taskFailed(f: ExecFrame, error: string, cause: string | undefined): Promise<void> {
    const st = this.stateDef(f);
    const d: Record<string, unknown> = { error };
    if (cause !== undefined) d.cause = cause;
    this.emit(`${this.taskEventPrefix(f)}Failed`, d, f);
    this.clearTaskTimers(f);
    delete f.pending;
    this.touch(f);
    await this.handleFailure(f, st, new StateFailure(error, cause));
    await this.run(f);
  }

  async taskTimedOut(f: ExecFrame, heartbeat: boolean): Promise<void> {
    const st = this.stateDef(f);
    const p = f.pending as ExecFrame['pending'] & { kind: 'task' };
    const error = heartbeat ? 'States.HeartbeatTimeout' : 'States.Timeout';
    this.emit(`${this.taskEventPrefix(f)}TimedOut`, { error }, f);
    this.clearTaskTimers(f);
    this.commands.push({ type: 'CancelTask', taskId: p.taskId });
    delete f.pending;
    this.touch(f);
    await this.handleFailure(f, st, new StateFailure(error, undefined));
    await this.run(f);
  }

  taskHeartbeat(f: ExecFrame): void {
    const p = f.pending;
    if (p?.kind !== 'task' || !p.heartbeatTimer || p.heartbeatSeconds === undefined) return;
    this.commands.push({ type: 'CancelTimer', timerId: p.heartbeatTimer });
    p.heartbeatTimer = derivedId(f.id, 'H', this.nextSeq());
    this.commands.push({ type: 'StartTimer', timerId: p.heartbeatTimer, fireAt: this.env.now + p.heartbeatSeconds * 1000, purpose: 'HeartbeatTimeout' });
    this.touch(f);
  }

  /** Output processing shared by Task, Parallel and Map once their result is known. */
  private async finishWithResult(f: ExecFrame, st: StateDef, result: unknown): Promise<void> {
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
        const catcher = catchers![ci]!;
        const errorOutput: Record<string, unknown> = { Error: failure.error };
        if (cause !== undefined) errorOutput.Cause = cause;
        try {
          let out: unknown;
          let assigned: Record<string, unknown> | undefined;
          if (this.isJsonata(st)) {
            const states = this.statesBinding(f, f.input, { errorOutput });
            assigned = await this.assignJsonata(f, catcher.Assign, states);
            out = 'Output' in catcher ? await evaluateJsonataTemplate(catcher.Output, states, this.variables(f), 'Output', this.jsonataEnv()) : errorOutput;
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
    this.frameFailed(f, failure.error, cause);
  }

  /** Adds AWS's state prefix to runtime/evaluation causes and journals EvaluationFailed; returns the cause. */
  private journalFailure(f: ExecFrame, failure: StateFailure): string | undefined {
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
      this.emit('ExecutionSucceeded', { output: compactJson(output) });
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

  /** Cancels whatever a frame waits for, recursively, journaling the *Aborted events. */
  abortFrame(f: ExecFrame): void {
    if (f.status !== 'running') return;
    const p = f.pending;
    const st = machineAt(this.def, f.machine).States[f.state];
    if (p?.kind === 'task') {
      this.clearTaskTimers(f);
      this.commands.push({ type: 'CancelTask', taskId: p.taskId });
    } else if (p?.kind === 'wait' || p?.kind === 'retry') {
      this.commands.push({ type: 'CancelTimer', timerId: p.timerId });
    } else if (p?.kind === 'children') {
      this.abortChildren(p.ctl);
    }
    this.emit(`${st?.Type ?? 'Unknown'}StateAborted`, { name: f.state }, f);
    delete f.pending;
    f.status = 'aborted';
    this.touch(f);
  }

  private abortChildren(ctlId: string): void {
    const ctl = this.frame<ControlFrame>(ctlId);
    if (!ctl) return;
    ctl.closed = true;
    this.touch(ctl);
    const started = ctl.type === 'map' ? ctl.next : ctl.total;
    for (let i = 0; i < started; i++) {
      const child = this.frame<ExecFrame>(childFrameId(ctl.id, i));
      if (child?.status === 'running') {
        this.abortFrame(child);
        if (ctl.type === 'map' && !ctl.distributed) this.emit('MapIterationAborted', { index: i, name: ctl.stateName });
      }
    }
    this.dropChildren(ctl);
  }

  private dropChildren(ctl: ControlFrame): void {
    for (let i = 0; i < ctl.total; i++) this.drop(childFrameId(ctl.id, i));
    this.drop(ctl.id);
  }

  // ------------------------------------------------------------------ Parallel and Map

  private async startParallel(f: ExecFrame, st: StateDef): Promise<void> {
    const raw = f.input;
    let input: unknown;
    if (this.isJsonata(st)) {
      input = 'Arguments' in st ? await evaluateJsonataTemplate(st.Arguments, this.statesBinding(f, raw), this.variables(f), 'Arguments', this.jsonataEnv()) : raw;
    } else {
      const eff = this.inputPath(f, st, raw);
      input = 'Parameters' in st ? this.template(st.Parameters, this.scope(f, eff)) : eff;
    }
    const branches = (st.Branches ?? []) as { StartAt: string }[];
    this.emit('ParallelStateStarted', undefined, f);
    const ctl: ControlFrame = {
      kind: 'ctl',
      type: 'parallel',
      id: `${f.id}/p${this.nextSeq()}`,
      owner: f.id,
      stateName: f.state,
      total: branches.length,
      next: branches.length,
      running: branches.length,
      succeeded: 0,
      failed: 0,
      maxConcurrency: 0,
      toleratedCount: null,
      toleratedPercentage: null,
    };
    this.put(ctl);
    f.pending = { kind: 'children', ctl: ctl.id };
    this.touch(f);
    if (branches.length === 0) {
      this.schedule(() => this.completeChildren(ctl));
      return;
    }
    branches.forEach((b, i) => {
      const child = this.createFrame({ id: childFrameId(ctl.id, i), parent: f.id, ctl: ctl.id, index: i, machine: [...f.machine, f.state, i] });
      this.schedule(async () => {
        if (child.status !== 'running' || ctl.closed) return;
        this.enter(child, b.StartAt, input);
        await this.run(child);
      });
    });
  }

  private async startMap(f: ExecFrame, st: StateDef): Promise<void> {
    const raw = f.input;
    const processor = (st.ItemProcessor ?? st.Iterator) as { StartAt: string; ProcessorConfig?: { Mode?: string } };
    const distributed = processor.ProcessorConfig?.Mode === 'DISTRIBUTED';
    let items: unknown;
    let selectorInput: unknown;
    let maxConcurrency = 0;
    let toleratedCount: number | null = null;
    let toleratedPercentage: number | null = null;
    const ctx = this.context(f);
    const jsonata = this.isJsonata(st);
    const states = this.statesBinding(f, raw, undefined, ctx);
    if (jsonata) {
      if ('Items' in st) {
        items = isJsonataExpression(st.Items)
          ? await this.jsonataValue(f, st.Items, states, 'Items')
          : await evaluateJsonataTemplate(st.Items, states, this.variables(f), 'Items', this.jsonataEnv());
        if (!Array.isArray(items)) {
          throw queryEvaluationFailure(
            `The JSONata expression '${String(st.Items).slice(2, -2).trim()}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${jsonTypeName(items)}' for value: ${compactJson(items)}`,
          );
        }
      } else {
        items = raw;
        if (!Array.isArray(items)) throw queryEvaluationFailure(`Map state input must be an array but was: ${compactJson(items)}`);
      }
      selectorInput = raw;
      maxConcurrency = Number(await this.jsonataValue(f, st.MaxConcurrency ?? 0, states, 'MaxConcurrency'));
    } else {
      const eff = this.inputPath(f, st, raw);
      const scope = this.scope(f, eff, ctx);
      selectorInput = eff;
      if (typeof st.ItemsPath === 'string') {
        try {
          items = this.readRef(st.ItemsPath, scope);
        } catch (e) {
          if (e instanceof PathNotFoundError) throw runtimeFailure(`Invalid path '${st.ItemsPath}' : ${e.message}`);
          throw e;
        }
      } else items = eff;
      if (!Array.isArray(items)) {
        throw runtimeFailure(`Item path ${typeof st.ItemsPath === 'string' ? st.ItemsPath : '$'} in state ${f.state} evaluated to ${compactJson(items)}, but must evaluate to an array`);
      }
      maxConcurrency = typeof st.MaxConcurrencyPath === 'string' ? this.mapNumberPath(st.MaxConcurrencyPath, 'MaxConcurrencyPath', scope, 'integer') : Number(st.MaxConcurrency ?? 0);
    }
    if (maxConcurrency < 0) throw runtimeFailure('MaxConcurrency cannot be negative.');
    const list = items as unknown[];
    const selector = st.ItemSelector ?? st.Parameters;
    let inputs: unknown[] = [];
    for (let i = 0; i < list.length; i++) {
      const item = { index: i, value: list[i] };
      if (selector === undefined) inputs.push(list[i]);
      else if (jsonata) {
        const c = this.context(f, { item });
        inputs.push(await evaluateJsonataTemplate(selector, this.statesBinding(f, raw, undefined, c), this.variables(f), 'ItemSelector', this.jsonataEnv()));
      } else {
        const c = this.context(f, { item });
        inputs.push(this.template(selector, { input: selectorInput, context: c, variables: distributed ? {} : this.variables(f) }));
      }
    }
    if (st.ItemBatcher !== undefined) inputs = await this.batchItems(f, st, inputs, selectorInput, states);
    this.emit('MapStateStarted', { length: inputs.length }, f);
    // AWS reads the tolerated-failure settings after MapStateStarted (their failures have no MapStateFailed).
    if (jsonata) {
      if ('ToleratedFailureCount' in st) toleratedCount = Number(await this.jsonataValue(f, st.ToleratedFailureCount, states, 'ToleratedFailureCount'));
      if ('ToleratedFailurePercentage' in st) {
        toleratedPercentage = Number(await this.jsonataValue(f, st.ToleratedFailurePercentage, states, 'ToleratedFailurePercentage'));
      }
    } else {
      const scope = this.scope(f, selectorInput, ctx);
      if (typeof st.ToleratedFailureCountPath === 'string') {
        toleratedCount = this.mapNumberPath(st.ToleratedFailureCountPath, 'ToleratedFailureCountPath', scope, 'integer');
      } else if ('ToleratedFailureCount' in st) toleratedCount = Number(st.ToleratedFailureCount);
      if (typeof st.ToleratedFailurePercentagePath === 'string') {
        toleratedPercentage = this.mapNumberPath(st.ToleratedFailurePercentagePath, 'ToleratedFailurePercentagePath', scope, 'float');
      } else if ('ToleratedFailurePercentage' in st) toleratedPercentage = Number(st.ToleratedFailurePercentage);
    }
    if (toleratedPercentage !== null && !(toleratedPercentage >= 0 && toleratedPercentage <= 100)) {
      throw runtimeFailure('ToleratedFailurePercentage must be between 0 and 100.');
    }
    if (toleratedCount !== null && !(toleratedCount >= 0)) throw runtimeFailure('ToleratedFailureCount cannot be negative.');
    if (distributed) this.emit('MapRunStarted', undefined, f);
    const ctl: ControlFrame = {
      kind: 'ctl',
      type: 'map',
      id: `${f.id}/m${this.nextSeq()}`,
      owner: f.id,
      stateName: f.state,
      total: inputs.length,
      next: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      maxConcurrency,
      toleratedCount,
      toleratedPercentage,
    };
    if (distributed) ctl.distributed = true;
    this.put(ctl);
    f.pending = { kind: 'children', ctl: ctl.id };
    this.touch(f);
    for (let i = 0; i < inputs.length; i++) {
      const child = this.createFrame({ id: childFrameId(ctl.id, i), parent: f.id, ctl: ctl.id, index: i, machine: [...f.machine, f.state] });
      child.input = inputs[i];
    }
    if (inputs.length === 0) {
      this.schedule(() => this.completeChildren(ctl));
      return;
    }
    this.fillMap(ctl);
  }

  /** Distributed Map ItemBatcher: iterations receive `{ BatchInput?, Items: [...] }`. */
  private async batchItems(f: ExecFrame, st: StateDef, inputs: unknown[], selectorInput: unknown, states: StatesBinding): Promise<unknown[]> {
    const b = st.ItemBatcher as Record<string, unknown>;
    let size: number | undefined;
    let batchInput: unknown;
    if (this.isJsonata(st)) {
      if ('MaxItemsPerBatch' in b) size = Number(await this.jsonataValue(f, b.MaxItemsPerBatch, states, 'ItemBatcher/MaxItemsPerBatch'));
      if ('BatchInput' in b) batchInput = await evaluateJsonataTemplate(b.BatchInput, states, this.variables(f), 'ItemBatcher/BatchInput', this.jsonataEnv());
    } else {
      const scope = this.scope(f, selectorInput);
      if (typeof b.MaxItemsPerBatchPath === 'string') size = this.mapNumberPath(b.MaxItemsPerBatchPath, 'MaxItemsPerBatchPath', scope, 'integer');
      else if ('MaxItemsPerBatch' in b) size = Number(b.MaxItemsPerBatch);
      if ('BatchInput' in b) batchInput = this.template(b.BatchInput, scope);
    }
    if (size !== undefined && !(Number.isInteger(size) && size > 0)) throw runtimeFailure(`MaxItemsPerBatch must be a positive integer, but was: ${size}`);
    const per = size ?? Math.max(inputs.length, 1);
    const batches: unknown[] = [];
    for (let i = 0; i < inputs.length; i += per) {
      const batch: Record<string, unknown> = {};
      if (batchInput !== undefined) batch.BatchInput = batchInput;
      batch.Items = inputs.slice(i, i + per);
      batches.push(batch);
    }
    return batches;
  }

  private mapNumberPath(path: string, field: string, scope: Scope, kind: 'integer' | 'float'): number {
    let v: unknown;
    try {
      v = this.readRef(path, scope);
    } catch (e) {
      if (e instanceof PathNotFoundError) throw runtimeFailure(`The ${field} field refers to value "null" which is not a valid ${kind}: ${path}`);
      throw e;
    }
    let n: number | undefined;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) n = Number(v);
    if (n === undefined || (kind === 'integer' && !Number.isInteger(n))) {
      const shown = typeof v === 'string' ? v : compactJson(v);
      throw runtimeFailure(`The ${field} field refers to value "${shown}" which is not a valid ${kind}: ${path}`);
    }
    return n;
  }

  /** Starts Map iterations up to MaxConcurrency. */
  private fillMap(ctl: ControlFrame): void {
    while (!ctl.closed && ctl.next < ctl.total && (ctl.maxConcurrency === 0 || ctl.running < ctl.maxConcurrency)) {
      const i = ctl.next;
      ctl.next += 1;
      ctl.running += 1;
      this.touch(ctl);
      this.schedule(async () => {
        const child = this.frame<ExecFrame>(childFrameId(ctl.id, i));
        if (!child || child.status !== 'running' || ctl.closed) return;
        const owner = this.frame<ExecFrame>(ctl.owner)!;
        if (!ctl.distributed) this.emit('MapIterationStarted', { index: i, name: ctl.stateName }, owner);
        const processor = machineAt(this.def, child.machine);
        this.enter(child, processor.StartAt, child.input);
        await this.run(child);
      });
    }
  }

  /** A branch or iteration ended (succeeded or failed). */
  private childEnded(child: ExecFrame): void {
    const ctl = this.frame<ControlFrame>(child.ctl!);
    if (!ctl || ctl.closed) return;
    const owner = this.frame<ExecFrame>(ctl.owner)!;
    ctl.running -= 1;
    this.touch(ctl);
    if (child.status === 'succeeded') {
      ctl.succeeded += 1;
      if (ctl.type === 'map' && !ctl.distributed) this.emit('MapIterationSucceeded', { index: child.index, name: ctl.stateName }, owner);
    } else {
      ctl.failed += 1;
      if (ctl.type === 'map' && !ctl.distributed) this.emit('MapIterationFailed', { index: child.index, name: ctl.stateName }, owner);
      // A Task that fails a branch/iteration is journaled as aborted as well (as AWS records it).
      if (machineAt(this.def, child.machine).States[child.state]?.Type === 'Task') this.emit('TaskStateAborted', { name: child.state }, child);
      if (ctl.type === 'parallel' || exceedsTolerance(ctl, ctl.failed, ctl.total)) {
        this.failChildren(ctl, child);
        return;
      }
    }
    if (ctl.type === 'map') this.fillMap(ctl);
    if (ctl.succeeded + ctl.failed === ctl.total) this.schedule(() => this.completeChildren(ctl));
  }

  /** The Parallel/Map state fails because of `child`: abort the rest and let the owner retry/catch. */
  private failChildren(ctl: ControlFrame, child: ExecFrame): void {
    const owner = this.frame<ExecFrame>(ctl.owner)!;
    // AWS records ParallelStateFailed for a branch ending in a Fail state, not for a failed Task (journaled as TaskStateAborted).
    const failedEvent = ctl.type === 'map' || machineAt(this.def, child.machine).States[child.state]?.Type !== 'Task';
    this.abortChildren(ctl.id);
    const tolerant = ctl.type === 'map' && hasTolerance(ctl);
    const error = tolerant ? 'States.ExceedToleratedFailureThreshold' : child.error;
    const cause = tolerant ? 'The specified tolerated failure threshold was exceeded' : child.cause;
    if (ctl.distributed) this.emit('MapRunFailed', undefined, owner);
    delete owner.pending;
    this.touch(owner);
    const st = this.stateDef(owner);
    this.schedule(async () => {
      await this.handleFailure(owner, st, new StateFailure(error ?? 'States.BranchFailed', cause), failedEvent);
      await this.run(owner);
    });
  }

  private async completeChildren(ctl: ControlFrame): Promise<void> {
    const owner = this.frame<ExecFrame>(ctl.owner)!;
    const results: unknown[] = [];
    for (let i = 0; i < ctl.total; i++) {
      const c = this.frame<ExecFrame>(childFrameId(ctl.id, i));
      if (c?.status === 'succeeded') results.push(c.output);
      else results.push(c ? { Error: c.error, Cause: c.cause } : null);
    }
    this.dropChildren(ctl);
    if (ctl.type === 'map') {
      if (ctl.distributed) this.emit('MapRunSucceeded', undefined, owner);
      this.emit('MapStateSucceeded', undefined, owner);
    }
    delete owner.pending;
    this.touch(owner);
    const st = this.stateDef(owner);
    try {
      await this.finishWithResult(owner, st, results);
    } catch (e) {
      if (owner.status === 'running') await this.handleFailure(owner, st, toStateFailure(e));
    }
    await this.run(owner);
  }

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

  executionTimedOut(root: ExecFrame): void {
    delete root.execTimer;
    this.abortFrame(root);
    this.emit('ExecutionTimedOut', { error: 'States.Timeout' });
    this.state.status = 'TIMED_OUT';
    this.commands.push({ type: 'ExecutionEnded', status: 'TIMED_OUT', error: 'States.Timeout' });
  }

  private cancelExecutionTimer(root: ExecFrame): void {
    if (!root.execTimer) return;
    this.commands.push({ type: 'CancelTimer', timerId: root.execTimer });
    delete root.execTimer;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

function regionOf(arn: string): string {
  return arn.split(':')[3] ?? 'us-east-1';
}
