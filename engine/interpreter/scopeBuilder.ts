import { applyPayloadTemplate } from '../asl/payloadTemplate';
import { PathNotFoundError } from '../asl/jsonpath';
import { resolvePath } from '../asl/resolvePath';
import type { Scope } from '../asl/scope';
import type { ExecutionState, StepEnvironment } from './contract';
import { runtimeFailure } from './failures';
import { ROOT, type ControlFrame, type ExecFrame, type Frame } from './frames';
import { evaluateJsonata, evaluateJsonataTemplate, isJsonataExpression, type StatesBinding } from './jsonataEval';
import { machineAt, type StateDef } from './machine';

/** What scopes are built from: the definition, the execution's frames and info, the shell's environment. */
export interface ScopeHost {
  readonly def: object;
  readonly state: ExecutionState;
  readonly env: StepEnvironment;
  frame<T extends Frame = Frame>(id: string): T | undefined;
  /** Offers the shell a turn of the event loop (long JSONata evaluations call it). */
  pace(): Promise<void> | undefined;
}

/**
 * What an expression sees in a state: `$` (the input), `$$` (the context object), variables (the
 * frame's own over its ancestors', up to a Distributed Map iteration, which sees none), and
 * JSONata's `$states`; and the JSONPath-mode fields evaluated against them (InputPath, OutputPath,
 * payload templates, Assign). Context and variables are built only when an expression reads them.
 */
export class ScopeBuilder {
  constructor(private readonly host: ScopeHost) {}

  variables(f: ExecFrame): Record<string, unknown> {
    const chain: ExecFrame[] = [];
    for (let cur: ExecFrame | undefined = f; cur; cur = cur.parent ? this.host.frame<ExecFrame>(cur.parent) : undefined) {
      chain.push(cur);
      // Distributed Map iterations are child executions: no outer variables.
      if (cur.ctl && this.host.frame<ControlFrame>(cur.ctl)?.distributed) break;
    }
    if (chain.length === 1) return f.vars ?? {};
    const out: Record<string, unknown> = {};
    for (let i = chain.length - 1; i >= 0; i--) Object.assign(out, chain[i]!.vars);
    return out;
  }

  context(f: ExecFrame, extra?: { token?: string; item?: { index: number; value: unknown } }): Record<string, unknown> {
    const info = this.host.state.info;
    const execution: Record<string, unknown> = {
      Id: info.executionArn,
      Input: this.host.frame<ExecFrame>(ROOT)!.execInput ?? {},
      Name: info.executionName,
      RoleArn: info.roleArn,
      StartTime: info.startTime,
    };
    if ((info.type ?? 'STANDARD') === 'STANDARD') execution.RedriveCount = info.redriveCount ?? 0;
    const st = machineAt(this.host.def, f.machine).States[f.state];
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
    return this.host.env.pace ? { now: this.host.env.now, random: () => this.host.env.random(), pace: () => this.host.pace() } : { now: this.host.env.now, random: () => this.host.env.random() };
  }

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
    return applyPayloadTemplate(template, scope, { newId: () => this.host.env.newId(), random: () => this.host.env.random() });
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

  async jsonataValue(f: ExecFrame, value: unknown, states: StatesBinding, field: string): Promise<unknown> {
    if (!isJsonataExpression(value)) return value;
    return evaluateJsonata(value, states, this.variables(f), field, this.jsonataEnv());
  }
}

/** A Scope whose context object and variables are built on first read (prototype getters: no per-call closures). */
class LazyScope implements Scope {
  private ctx: Record<string, unknown> | undefined;
  private vars: Record<string, unknown> | undefined;

  constructor(
    private readonly scopes: ScopeBuilder,
    private readonly frame: ExecFrame,
    readonly input: unknown,
    ctx: Record<string, unknown> | undefined,
  ) {
    this.ctx = ctx;
  }

  get context(): unknown {
    return (this.ctx ??= this.scopes.context(this.frame));
  }

  get variables(): Record<string, unknown> {
    return (this.vars ??= this.scopes.variables(this.frame));
  }
}
