import { StatesErrorNames, TaskErrorNames } from '../schemas/errors';
import type { TaskSpec } from '../schemas/task';
import { STEP_KEYS } from '../schemas/workflow';
import { taskCatalogue } from '../tasks/catalogue';
import { BUILTIN_VARIABLES, checkValue, type Known } from './checkValues';
import { checkTaskInputs } from './checkInputs';
import { durationSeconds } from './duration';
import type { Reporter } from './reporter';
import { isRecord } from './schemaDiagnostics';
import { suggest, SuggestionIndex } from './suggest';
import { collectSteps, type StepInfo } from './walkSteps';
import { formatPath, type PathSegment } from './yamlSource';

const RESERVED_IDS = new Set<string>([...BUILTIN_VARIABLES, 'index']);
const AWAIT_TASK = 'tasks.await';

/** Semantic checks over the (possibly malformed) steps: ids, jumps, tasks, inputs, expressions, errors, timeouts. */
export function checkSteps(root: Record<string, unknown>, reporter: Reporter, collected?: StepInfo[]): StepInfo[] {
  const steps = collected ?? collectSteps(root);
  const byId = new Map<string, StepInfo>();
  for (const s of steps) {
    if (s.id === undefined) continue;
    const first = byId.get(s.id);
    if (first) {
      const pos = reporter.source.position([...first.path, 'id']);
      reporter.error([...s.path, 'id'], `duplicate step id '${s.id}' (first used at line ${pos.line})`, { code: 'duplicate-id' });
    } else byId.set(s.id, s);
    if (RESERVED_IDS.has(s.id)) reporter.error([...s.path, 'id'], `'${s.id}' is reserved ($${s.id} is a built-in variable); choose another id`, { code: 'reserved-id' });
  }
  const variables = new Variables(steps);
  const jumps = new JumpTargets(byId);
  for (const [i, s] of steps.entries()) {
    checkJumps(s, jumps, reporter);
    checkStep(s, reporter, variables.knownAt(s), steps.slice(i + 1, i + 1 + s.descendants));
  }
  return steps;
}

/**
 * Every variable's definitions (step ids, `set:` names, forEach items), by name and scope. A name
 * defined in `root` or in one of a step's enclosing scopes is visible to it (ASL variable scoping);
 * asking costs the step's nesting depth, not the file's size.
 */
class Variables {
  /** name → scope → label of that scope (insertion order: the first definition's). */
  private readonly scopesOf = new Map<string, Map<string, string>>();
  private readonly names: SuggestionIndex;

  constructor(steps: readonly StepInfo[]) {
    for (const name of BUILTIN_VARIABLES) this.define(name, 'root', 'the workflow');
    for (const s of steps) {
      if (s.id) this.define(s.id, s.scope, s.scopeLabel);
      if (s.kind === 'set' && isRecord(s.raw.set)) for (const k of Object.keys(s.raw.set)) this.define(k, s.scope, s.scopeLabel);
      if (s.kind === 'forEach') {
        const scope = formatPath(s.path);
        const label = `forEach '${s.id ?? '?'}'`;
        this.define(typeof s.raw.as === 'string' ? s.raw.as : 'item', scope, label);
        this.define('index', scope, label);
      }
    }
    this.names = new SuggestionIndex(this.scopesOf.keys());
  }

  private define(name: string, scope: string, label: string): void {
    let scopes = this.scopesOf.get(name);
    if (!scopes) this.scopesOf.set(name, (scopes = new Map()));
    if (!scopes.has(scope)) scopes.set(scope, label);
  }

  knownAt(s: StepInfo): Known {
    const visible = (name: string): boolean => {
      const scopes = this.scopesOf.get(name);
      return scopes !== undefined && s.scopes.some((sc) => scopes.has(sc));
    };
    return {
      visible,
      elsewhere: (name) => {
        if (visible(name)) return undefined;
        let label: string | undefined;
        for (const l of this.scopesOf.get(name)?.values() ?? []) label = l;
        return label;
      },
      closest: (name) => this.names.suggest(name, visible),
    };
  }
}

/** Step ids by scope, with "did you mean" indexes built on the first mistake that needs them. */
class JumpTargets {
  private readonly indexes = new Map<string, SuggestionIndex>();
  private all: SuggestionIndex | undefined;
  constructor(readonly byId: ReadonlyMap<string, StepInfo>) {}

  closest(target: string, scope: string): string | undefined {
    let index = this.indexes.get(scope);
    if (!index) {
      const ids: string[] = [];
      for (const [id, st] of this.byId) if (st.scope === scope) ids.push(id);
      this.indexes.set(scope, (index = new SuggestionIndex(ids)));
    }
    return index.suggest(target) ?? (this.all ??= new SuggestionIndex(this.byId.keys())).suggest(target);
  }
}

function jumpTargets(s: StepInfo): { path: PathSegment[]; target: string }[] {
  const out: { path: PathSegment[]; target: string }[] = [];
  const add = (path: PathSegment[], v: unknown) => typeof v === 'string' && out.push({ path, target: v });
  add([...s.path, 'next'], s.raw.next);
  if (s.kind === 'if') {
    add([...s.path, 'then'], s.raw.then);
    add([...s.path, 'else'], s.raw.else);
  }
  if (s.kind === 'choose') {
    if (Array.isArray(s.raw.choose)) s.raw.choose.forEach((c, j) => isRecord(c) && add([...s.path, 'choose', j, 'then'], c.then));
    add([...s.path, 'otherwise'], s.raw.otherwise);
  }
  for (const [c, i] of listOf(s.raw.catch)) if (isRecord(c)) add(i === undefined ? [...s.path, 'catch', 'next'] : [...s.path, 'catch', i, 'next'], c.next);
  return out;
}

function checkJumps(s: StepInfo, jumps: JumpTargets, reporter: Reporter): void {
  for (const { path, target } of jumpTargets(s)) {
    const t = jumps.byId.get(target);
    if (!t) {
      reporter.error(path, `no step '${target}' to go to`, { code: 'missing-step', suggestion: jumps.closest(target, s.scope) });
    } else if (t.scope !== s.scope) {
      reporter.error(path, `'${target}' is in ${t.scopeLabel}; a step in ${s.scopeLabel} can only go to steps of the same scope`, { code: 'cross-scope-jump' });
    } else if (target === s.id && path[path.length - 1] === 'next') {
      reporter.warning(path, `step '${target}' goes to itself: an endless loop unless it fails`, { code: 'self-loop' });
    }
  }
}

/** `x` or `[x, y]` as entries with their index (undefined for the single form). */
function listOf(v: unknown): [unknown, number | undefined][] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map((x, i) => [x, i] as [unknown, number]) : [[v, undefined]];
}

/** `nested`: the steps inside this one (a forEach's or parallel's raise its errors). */
function checkStep(s: StepInfo, reporter: Reporter, known: Known, nested: readonly StepInfo[]): void {
  const p = s.path;
  const raw = s.raw;
  let spec: TaskSpec | undefined;
  if (s.kind === 'call' && typeof raw.call === 'string') {
    spec = taskCatalogue.get(raw.call);
    if (!spec) reporter.error([...p, 'call'], `unknown task '${raw.call}'`, { code: 'unknown-task', suggestion: suggest(raw.call, taskCatalogue.keys()) });
    else if (spec.callback) reporter.error([...p, 'call'], `${spec.name} waits for a person: use an await: step`, { code: 'callback-task' });
    // A misspelled `with` is reported as an unknown key; "missing input" on top of it would be noise.
    else if (raw.with !== undefined || Object.keys(raw).every((k) => STEP_KEYS.call.includes(k))) checkTaskInputs(spec, raw.with, [...p, 'with'], reporter, `step '${s.id ?? '?'}'`);
    checkValue(raw.with, [...p, 'with'], reporter, known);
  }
  if (s.kind === 'await') {
    spec = taskCatalogue.get(AWAIT_TASK);
    if (spec && isRecord(raw.await)) checkTaskInputs(spec, raw.await, [...p, 'await'], reporter, `step '${s.id ?? '?'}'`);
    checkValue(raw.await, [...p, 'await'], reporter, known);
  }
  if (s.kind === undefined) checkValue(raw.with, [...p, 'with'], reporter, known);
  if (s.kind === 'if') checkValue(raw.if, [...p, 'if'], reporter, known, true);
  if (s.kind === 'choose' && Array.isArray(raw.choose)) raw.choose.forEach((c, j) => isRecord(c) && checkValue(c.when, [...p, 'choose', j, 'when'], reporter, known, true));
  if (s.kind === 'forEach' && typeof raw.forEach === 'string') checkValue(raw.forEach, [...p, 'forEach'], reporter, known, true);
  if (s.kind === 'set') checkValue(raw.set, [...p, 'set'], reporter, known);
  if (s.kind === 'succeed' && isRecord(raw.succeed)) checkValue(raw.succeed.output, [...p, 'succeed', 'output'], reporter, known);
  if (s.kind === 'fail' && isRecord(raw.fail)) checkValue(raw.fail, [...p, 'fail'], reporter, known);
  if (s.kind === 'wait') checkWait(raw.wait, [...p, 'wait'], reporter, known);
  checkTimeouts(s, reporter);
  if (raw.retry !== undefined || raw.catch !== undefined) checkErrorNames(s, spec, reporter, nested);
}

function checkWait(w: unknown, path: PathSegment[], reporter: Reporter, known: Known): void {
  const forValue = isRecord(w) ? w.for : w;
  if (typeof forValue === 'string' && !forValue.includes('{%') && durationSeconds(forValue) === undefined && /^P/.test(forValue)) {
    reporter.error(isRecord(w) ? [...path, 'for'] : path, 'months and years have no fixed length: use days (P30D)', { code: 'duration' });
  }
  checkValue(w, path, reporter, known);
  if (isRecord(w) && typeof w.until === 'string' && !w.until.includes('{%') && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(w.until)) {
    reporter.error([...path, 'until'], 'until must be a UTC timestamp such as 2026-03-09T14:00:00Z, or an expression', { code: 'timestamp' });
  }
}

function checkTimeouts(s: StepInfo, reporter: Reporter): void {
  for (const key of ['timeout', 'heartbeat'] as const) {
    const v = s.raw[key];
    if (typeof v === 'string' && /^P(\d+Y|\d+M)/.test(v)) reporter.error([...s.path, key], 'months and years have no fixed length: use days (P30D)', { code: 'duration' });
  }
  const timeout = durationSeconds(s.raw.timeout);
  const heartbeat = durationSeconds(s.raw.heartbeat);
  if (timeout !== undefined && heartbeat !== undefined && heartbeat >= timeout) {
    reporter.error([...s.path, 'heartbeat'], 'heartbeat must be shorter than timeout', { code: 'heartbeat' });
  }
}

const ALL_KNOWN_ERRORS = [...StatesErrorNames, ...TaskErrorNames];

/** Errors a step can raise: its task's, any fail: inside it, and the runtime's (States.*). */
function raisable(s: StepInfo, spec: TaskSpec | undefined, nested: readonly StepInfo[]): Set<string> {
  const names = new Set<string>(spec?.errors ?? []);
  if (s.kind === 'forEach' || s.kind === 'parallel') {
    for (const inner of nested) {
      if (inner.kind === 'call' && typeof inner.raw.call === 'string') for (const e of taskCatalogue.get(inner.raw.call)?.errors ?? []) names.add(e);
      if (inner.kind === 'await') for (const e of taskCatalogue.get(AWAIT_TASK)?.errors ?? []) names.add(e);
      if (inner.kind === 'fail' && isRecord(inner.raw.fail) && typeof inner.raw.fail.error === 'string') names.add(inner.raw.fail.error);
    }
  }
  return names;
}

function checkErrorNames(s: StepInfo, spec: TaskSpec | undefined, reporter: Reporter, nested: readonly StepInfo[]): void {
  const can = raisable(s, spec, nested);
  const what = s.kind === 'call' && spec ? spec.name : `step '${s.id ?? '?'}'`;
  for (const key of ['retry', 'catch'] as const) {
    const entries = listOf(s.raw[key]);
    entries.forEach(([entry, i], n) => {
      if (!isRecord(entry) || !Array.isArray(entry.on)) return;
      const on: unknown[] = entry.on;
      const base: PathSegment[] = i === undefined ? [...s.path, key, 'on'] : [...s.path, key, i, 'on'];
      on.forEach((name, j) => {
        if (typeof name !== 'string') return;
        const path = [...base, j];
        if (name === 'States.ALL') {
          if (on.length > 1) reporter.error(path, 'States.ALL must be the only error name in its list', { code: 'error-name' });
          else if (n !== entries.length - 1) reporter.error(path, `States.ALL must be in the last ${key} entry`, { code: 'error-name' });
          return;
        }
        if (name.startsWith('States.')) {
          if (!(StatesErrorNames as readonly string[]).includes(name)) reporter.error(path, `unknown runtime error '${name}'`, { code: 'error-name', suggestion: suggest(name, StatesErrorNames) });
          return;
        }
        if (can.has(name)) return;
        const hint = suggest(name, can) ?? suggest(name, ALL_KNOWN_ERRORS);
        const list = [...can].sort().join(', ');
        reporter.warning(path, `${what} never raises '${name}' (it raises ${list || 'only States.* errors'})`, { code: 'error-name', suggestion: hint });
      });
    });
  }
}
