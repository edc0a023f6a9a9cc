import { taskFunctionArn } from '../schemas/task';
import type { Branch, Catch, Retry, Step, Workflow } from '../schemas/workflow';
import { durationSeconds } from './duration';
import { expressionBody, isExpression, isTemplate, parseJsonata, rewriteEvent, templateParts, templateToJsonata } from './expressions';
import { CORRELATION_STATES, correlationStates } from './emitCorrelation';
import type { WhereAnalysis } from './fhirWhere';

type State = Record<string, unknown>;
const WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const EVENT_REFERENCE = '{% $states.context.Execution.Input.detail.reference %}';

/** Names of the states the compiler adds; they contain '.', which step ids can't, so they never clash. */
export const GUARD_STATES = { read: 'trigger.read', test: 'trigger.where', match: 'trigger.match', skipped: 'trigger.skipped' } as const;
export const ROOT_END = 'workflow.end';
/** Names one visit of an await step, the same in its Catch (same state context): tasks.expire finds the Task by it. */
const AWAIT_KEY = "{% $states.context.Execution.Id & '|' & $states.context.State.Name & '#' & $states.context.State.EnteredTime %}";
const TIMEOUTS = ['States.Timeout', 'States.HeartbeatTimeout'] as const;

/** A JSONata expression string for ASL, with `$event` rewritten to the execution input. */
export function jsonataExpr(body: string): string {
  const parsed = parseJsonata(body);
  const text = 'ast' in parsed ? rewriteEvent(body, parsed.ast) : body;
  return `{% ${text.trim()} %}`;
}

/** A value as ASL JSONata-mode JSON: `{% %}` strings and templates become expressions, the rest stays literal. */
export function compileValue(v: unknown): unknown {
  if (typeof v === 'string') {
    if (isExpression(v)) return jsonataExpr(expressionBody(v));
    if (isTemplate(v)) {
      const parts = templateParts(v);
      return 'error' in parts ? v : jsonataExpr(templateToJsonata(parts));
    }
    return v;
  }
  if (Array.isArray(v)) return v.map(compileValue);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compileValue(x)]));
  return v;
}

function condition(s: string): string {
  return jsonataExpr(isExpression(s) ? expressionBody(s) : s);
}

function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function retries(r: Retry | Retry[] | undefined): State[] | undefined {
  const out = list(r).map((x) => {
    const o: State = { ErrorEquals: x.on ?? ['States.ALL'] };
    o.IntervalSeconds = durationSeconds(x.interval ?? 1) ?? 1;
    o.MaxAttempts = x.attempts ?? 3;
    o.BackoffRate = x.backoff === 'fixed' ? 1 : x.backoff === 'exponential' || x.backoff === undefined ? 2 : x.backoff;
    if (x.maxDelay !== undefined) o.MaxDelaySeconds = durationSeconds(x.maxDelay);
    if (x.jitter) o.JitterStrategy = 'FULL';
    return o;
  });
  return out.length ? out : undefined;
}

function catchers(c: Catch | Catch[] | undefined): State[] | undefined {
  // `$error` in the catching step is the error output ({ Error, Cause }).
  const out = list(c).map((x) => ({ ErrorEquals: x.on ?? ['States.ALL'], Next: x.next, Assign: { error: '{% $states.errorOutput %}' } }));
  return out.length ? out : undefined;
}

/** A state machine scope (the root, a Map's ItemProcessor, a Parallel branch): its states, and its end. */
class Scope {
  readonly states: Record<string, State> = {};
  private endUsed = false;
  constructor(readonly endName: string) {}
  /** A Choice can't end a scope, so it goes to a Succeed state added on demand. */
  choiceTarget(t: Target): string {
    if (t !== END) return t;
    this.endUsed = true;
    return this.endName;
  }
  finish(): Record<string, State> {
    if (this.endUsed) this.states[this.endName] = { Type: 'Succeed' };
    return this.states;
  }
}

const END = Symbol('end');
type Target = string | typeof END;

function setNext(state: State, t: Target): State {
  if (t === END) state.End = true;
  else state.Next = t;
  return state;
}

function emitBlock(steps: readonly Step[], scope: Scope, after: Target): Target {
  steps.forEach((step, i) => {
    const following = steps[i + 1];
    const successor: Target = 'end' in step && step.end ? END : 'next' in step && step.next ? step.next : following ? following.id : after;
    emitStep(step, scope, successor);
  });
  return steps[0]?.id ?? after;
}

function branchTarget(b: Branch | undefined, scope: Scope, successor: Target): Target {
  if (b === undefined) return successor;
  if (typeof b === 'string') return b;
  return emitBlock(b, scope, successor);
}

function base(step: Step, type: string): State {
  const s: State = { Type: type };
  if (step.description !== undefined) s.Comment = step.description;
  return s;
}

function emitStep(step: Step, scope: Scope, successor: Target): void {
  const assignOutput = { [step.id]: '{% $states.result %}' };
  if ('call' in step) {
    const s = base(step, 'Task');
    s.Resource = taskFunctionArn(step.call);
    s.Arguments = step.with === undefined ? {} : compileValue(step.with);
    if (step.timeout !== undefined) s.TimeoutSeconds = durationSeconds(step.timeout);
    if (step.heartbeat !== undefined) s.HeartbeatSeconds = durationSeconds(step.heartbeat);
    addErrorHandling(s, step);
    s.Assign = assignOutput;
    scope.states[step.id] = setNext(s, successor);
  } else if ('await' in step) {
    const s = base(step, 'Task');
    s.Resource = WAIT_FOR_TASK_TOKEN;
    s.Arguments = {
      FunctionName: taskFunctionArn('tasks.await'),
      Payload: { ...(compileValue(step.await) as State), awaitKey: AWAIT_KEY, taskToken: '{% $states.context.Task.Token %}' },
    };
    s.TimeoutSeconds = durationSeconds(step.timeout);
    if (step.heartbeat !== undefined) s.HeartbeatSeconds = durationSeconds(step.heartbeat);
    addErrorHandling(s, step);
    // A timeout first goes to `<id>.expire`, which cancels the Task and fails with HumanTask.TimedOut.
    const expire = `${step.id}.expire`;
    s.Catch = [{ ErrorEquals: [...TIMEOUTS], Next: expire, Output: { awaitKey: AWAIT_KEY, error: '{% $states.errorOutput.Error %}' } }, ...((s.Catch as State[] | undefined) ?? [])];
    s.Assign = assignOutput;
    scope.states[step.id] = setNext(s, successor);
    const e: State = { Type: 'Task', Comment: `${step.id} timed out: cancel its FHIR Task, then fail with HumanTask.TimedOut`, Resource: taskFunctionArn('tasks.expire') };
    e.Arguments = { awaitKey: '{% $states.input.awaitKey %}', error: '{% $states.input.error %}' };
    // The user's catchers, with HumanTask.TimedOut wherever they name a timeout (they never see States.Timeout from an await).
    const c = catchers(step.catch)?.map((x) => {
      const on = x.ErrorEquals as string[];
      return on.some((n) => (TIMEOUTS as readonly string[]).includes(n)) ? { ...x, ErrorEquals: [...on, 'HumanTask.TimedOut'] } : x;
    });
    if (c) e.Catch = c;
    // tasks.expire always fails; End only satisfies the ASL rule that a Task state has Next or End.
    scope.states[expire] = setNext(e, END);
  } else if ('if' in step) {
    const s = base(step, 'Choice');
    scope.states[step.id] = s;
    const after: Target = step.end ? END : (step.next ?? successor);
    const then = scope.choiceTarget(branchTarget(step.then, scope, after));
    s.Choices = [{ Condition: condition(step.if), Next: then }];
    s.Default = scope.choiceTarget(branchTarget(step.else, scope, after));
  } else if ('choose' in step) {
    const s = base(step, 'Choice');
    scope.states[step.id] = s;
    const after: Target = step.end ? END : (step.next ?? successor);
    s.Choices = step.choose.map((c) => ({ Condition: condition(c.when), Next: scope.choiceTarget(branchTarget(c.then, scope, after)) }));
    s.Default = scope.choiceTarget(branchTarget(step.otherwise, scope, after));
  } else if ('wait' in step) {
    const s = base(step, 'Wait');
    const w = step.wait;
    if (typeof w === 'object' && w.until !== undefined) s.Timestamp = compileValue(w.until);
    else {
      const f = typeof w === 'object' ? w.for : w;
      s.Seconds = typeof f === 'string' && isExpression(f) ? compileValue(f) : durationSeconds(f);
    }
    scope.states[step.id] = setNext(s, successor);
  } else if ('forEach' in step) {
    const s = base(step, 'Map');
    s.Items = typeof step.forEach === 'string' ? condition(step.forEach) : compileValue(step.forEach);
    s.ItemSelector = { value: '{% $states.context.Map.Item.Value %}', index: '{% $states.context.Map.Item.Index %}' };
    if (step.concurrency !== undefined) s.MaxConcurrency = step.concurrency;
    const inner = new Scope(`${step.id}.end`);
    const itemState = `${step.id}.item`;
    const first = emitBlock(step.do, inner, END);
    // The iteration's first state binds the item and its index as variables ($item / $index by default).
    inner.states[itemState] = setNext({ Type: 'Pass', Assign: { [step.as ?? 'item']: '{% $states.input.value %}', index: '{% $states.input.index %}' } }, first);
    s.ItemProcessor = { ProcessorConfig: { Mode: 'INLINE' }, StartAt: itemState, States: sortStart(inner.finish(), itemState) };
    addErrorHandling(s, step);
    s.Assign = assignOutput;
    scope.states[step.id] = setNext(s, successor);
  } else if ('parallel' in step) {
    const s = base(step, 'Parallel');
    s.Branches = step.parallel.map((b, j) => {
      const inner = new Scope(`${step.id}.branch${j + 1}.end`);
      const start = emitBlock(b.steps, inner, END);
      const branch: State = { StartAt: start, States: inner.finish() };
      if (b.name !== undefined) branch.Comment = b.name;
      return branch;
    });
    addErrorHandling(s, step);
    s.Assign = assignOutput;
    scope.states[step.id] = setNext(s, successor);
  } else if ('set' in step) {
    const s = base(step, 'Pass');
    s.Assign = compileValue(step.set);
    scope.states[step.id] = setNext(s, successor);
  } else if ('succeed' in step) {
    const s = base(step, 'Succeed');
    if (typeof step.succeed === 'object' && step.succeed.output !== undefined) s.Output = compileValue(step.succeed.output);
    scope.states[step.id] = s;
  } else if ('fail' in step) {
    const s = base(step, 'Fail');
    s.Error = compileValue(step.fail.error);
    if (step.fail.cause !== undefined) s.Cause = compileValue(step.fail.cause);
    scope.states[step.id] = s;
  }
}

function addErrorHandling(s: State, step: { retry?: Retry | Retry[] | undefined; catch?: Catch | Catch[] | undefined }): void {
  const r = retries(step.retry);
  if (r) s.Retry = r;
  const c = catchers(step.catch);
  if (c) s.Catch = c;
}

/** Puts `first` first in the States object, so the JSON reads in execution order. */
function sortStart(states: Record<string, State>, first: string): Record<string, State> {
  const { [first]: head, ...rest } = states;
  return head ? { [first]: head, ...rest } : states;
}

/** The guard that evaluates a FHIRPath `where` the event pattern could not decide (fhir.read → fhirpath.test → Choice). */
function guardStates(where: string, start: string): Record<string, State> {
  return {
    [GUARD_STATES.read]: {
      Type: 'Task',
      Comment: 'read the resource that changed, to evaluate the trigger condition',
      Resource: taskFunctionArn('fhir.read'),
      Arguments: { reference: EVENT_REFERENCE },
      Retry: [{ ErrorEquals: ['FHIR.Unavailable', 'FHIR.TooManyRequests'], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['FHIR.NotFound', 'FHIR.Gone'], Next: GUARD_STATES.skipped }],
      Next: GUARD_STATES.test,
    },
    [GUARD_STATES.test]: {
      Type: 'Task',
      Comment: `trigger condition: ${where}`,
      Resource: taskFunctionArn('fhirpath.test'),
      Arguments: { resource: '{% $states.input %}', expression: where },
      Next: GUARD_STATES.match,
    },
    [GUARD_STATES.match]: {
      Type: 'Choice',
      Choices: [{ Condition: '{% $states.input.matches = true %}', Next: start }],
      Default: GUARD_STATES.skipped,
    },
    [GUARD_STATES.skipped]: { Type: 'Succeed', Comment: "the resource does not match the trigger's where condition" },
  };
}

export interface EmitOptions {
  /** The trigger's FHIRPath `where` and what the event pattern already decides. */
  where?: { expression: string; analysis: WhereAnalysis };
}

/** The ASL definition (JSONata query language) of a checked workflow. */
export function emitAsl(wf: Workflow, opts: EmitOptions = {}): Record<string, unknown> {
  const root = new Scope(ROOT_END);
  const first = emitBlock(wf.steps, root, END);
  const start = typeof first === 'string' ? first : ROOT_END;
  let states = sortStart(root.finish(), start);
  let startAt = start;
  // After the guard: only an event this workflow is for may replace or be ignored for its key.
  if (wf.correlation) {
    states = { ...correlationStates(wf.correlation, compileValue(wf.correlation.key), start), ...states };
    startAt = CORRELATION_STATES.claim;
  }
  if (opts.where && !opts.where.analysis.exact) {
    states = { ...guardStates(opts.where.expression, startAt), ...states };
    startAt = GUARD_STATES.read;
  }
  const def: Record<string, unknown> = {};
  if (wf.description !== undefined) def.Comment = wf.description;
  def.QueryLanguage = 'JSONata';
  def.StartAt = startAt;
  if (wf.timeout !== undefined) def.TimeoutSeconds = durationSeconds(wf.timeout);
  def.States = states;
  return def;
}

/** Task names the definition calls (for the manifest), sorted. */
export function tasksUsed(wf: Workflow, guarded: boolean): string[] {
  const names = new Set<string>(guarded ? ['fhir.read', 'fhirpath.test'] : []);
  if (wf.correlation) names.add('correlation.claim');
  const visit = (steps: readonly Step[]): void => {
    for (const s of steps) {
      if ('call' in s) names.add(s.call);
      if ('await' in s) names.add('tasks.await').add('tasks.expire');
      if ('if' in s) for (const b of [s.then, s.else]) if (Array.isArray(b)) visit(b);
      if ('choose' in s) {
        for (const c of s.choose) if (Array.isArray(c.then)) visit(c.then);
        if (Array.isArray(s.otherwise)) visit(s.otherwise);
      }
      if ('forEach' in s) visit(s.do);
      if ('parallel' in s) for (const b of s.parallel) visit(b.steps);
    }
  };
  visit(wf.steps);
  return [...names].sort();
}
