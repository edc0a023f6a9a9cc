/**
 * Static validation of an ASL definition, before an execution can start: structure, each state
 * type's required and allowed fields, transitions, reachability, Choice rules, Retry/Catch,
 * nested Map/Parallel machines, JSONPath vs JSONata field mixing, path, intrinsic and JSONata
 * syntax, and numeric ranges. Every issue names the state and field (`States.S.Choices[0].Next`).
 *
 * Size: the Amazon States Language's static rules in the specification's order (each state type's
 * fields, transitions, Choice rules, Retry/Catch, nested machines, query-language mixing), one
 * small checker each.
 */
import jsonata from 'jsonata';
import { ValidationError, type ValidationIssue } from '../../schemas/errors';
import { CHOICE_OPERATORS } from './choiceRules';
import { isIntrinsicCall, parseIntrinsic } from './intrinsics';
import { isValidPath, parsePath } from './jsonpath';
import { parseTimestamp } from './timestamp';

type Obj = Record<string, unknown>;
type QL = 'JSONPath' | 'JSONata';

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const JSONPATH_IO = ['InputPath', 'OutputPath'];
const FLOW = ['Next', 'End'];

/** Allowed fields per state type and query language. */
const FIELDS: Record<string, { both: string[]; JSONPath: string[]; JSONata: string[] }> = {
  Pass: { both: [...FLOW, 'Assign'], JSONPath: [...JSONPATH_IO, 'Parameters', 'ResultPath', 'Result'], JSONata: ['Output'] },
  Task: {
    both: [...FLOW, 'Assign', 'Resource', 'TimeoutSeconds', 'HeartbeatSeconds', 'Retry', 'Catch', 'Credentials'],
    JSONPath: [...JSONPATH_IO, 'Parameters', 'ResultPath', 'ResultSelector', 'TimeoutSecondsPath', 'HeartbeatSecondsPath'],
    JSONata: ['Arguments', 'Output'],
  },
  Choice: { both: ['Choices', 'Default', 'Assign'], JSONPath: JSONPATH_IO, JSONata: ['Output'] },
  Wait: { both: [...FLOW, 'Assign', 'Seconds', 'Timestamp'], JSONPath: [...JSONPATH_IO, 'SecondsPath', 'TimestampPath'], JSONata: ['Output'] },
  Succeed: { both: [], JSONPath: JSONPATH_IO, JSONata: ['Output'] },
  Fail: { both: ['Error', 'Cause'], JSONPath: ['ErrorPath', 'CausePath'], JSONata: [] },
  Parallel: {
    both: [...FLOW, 'Assign', 'Branches', 'Retry', 'Catch'],
    JSONPath: [...JSONPATH_IO, 'Parameters', 'ResultPath', 'ResultSelector'],
    JSONata: ['Arguments', 'Output'],
  },
  Map: {
    both: [
      ...FLOW,
      'Assign',
      'ItemProcessor',
      'Iterator',
      'ItemSelector',
      'ItemReader',
      'ItemBatcher',
      'ResultWriter',
      'MaxConcurrency',
      'ToleratedFailurePercentage',
      'ToleratedFailureCount',
      'Label',
      'Retry',
      'Catch',
    ],
    JSONPath: [...JSONPATH_IO, 'ItemsPath', 'Parameters', 'ResultPath', 'ResultSelector', 'MaxConcurrencyPath', 'ToleratedFailurePercentagePath', 'ToleratedFailureCountPath'],
    JSONata: ['Items', 'Output', 'Arguments'],
  },
};

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isJsonataExpr = (v: unknown): v is string => typeof v === 'string' && /^\{%[\s\S]*%\}$/.test(v.trim());
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,79}$/;

/** A JSONPath-mode path: `$…`, `$$…` (context object) or `$name…` (variable). */
export function isScopePath(p: unknown, opts: { context?: boolean; variables?: boolean } = {}): boolean {
  if (typeof p !== 'string') return false;
  if (p.startsWith('$$')) return opts.context !== false && isValidPath(p.slice(1));
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(p);
  if (m) return opts.variables !== false && isValidPath('$' + p.slice(m[0].length));
  return isValidPath(p);
}

function isReferencePathSyntax(p: string): boolean {
  try {
    return !p.startsWith('$$') && parsePath(p).reference;
  } catch {
    return false;
  }
}

class Validator {
  readonly issues: ValidationIssue[] = [];

  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  machine(def: unknown, at: string, ql: QL, top: boolean): void {
    const p = (f: string): string => (at ? `${at}.${f}` : f);
    if (!isObj(def)) {
      this.add(at, 'A state machine definition must be a JSON object');
      return;
    }
    const allowed = top ? ['StartAt', 'States', 'Comment', 'Version', 'TimeoutSeconds', 'QueryLanguage'] : ['StartAt', 'States', 'Comment', 'ProcessorConfig', 'QueryLanguage'];
    for (const k of Object.keys(def)) if (!allowed.includes(k)) this.add(p(k), `Field '${k}' is not supported here`);
    let machineQl = ql;
    if (def.QueryLanguage !== undefined) {
      if (def.QueryLanguage !== 'JSONPath' && def.QueryLanguage !== 'JSONata') this.add(p('QueryLanguage'), "QueryLanguage must be 'JSONPath' or 'JSONata'");
      else machineQl = def.QueryLanguage;
    }
    if (top && def.TimeoutSeconds !== undefined) this.positiveInt(p('TimeoutSeconds'), def.TimeoutSeconds);
    if (top && def.Version !== undefined && def.Version !== '1.0') this.add(p('Version'), "Version must be '1.0'");
    if (def.Comment !== undefined && typeof def.Comment !== 'string') this.add(p('Comment'), 'Comment must be a string');
    if (def.ProcessorConfig !== undefined) this.processorConfig(p('ProcessorConfig'), def.ProcessorConfig);
    const states = def.States;
    if (!isObj(states) || Object.keys(states).length === 0) {
      this.add(p('States'), 'States is required and must be a non-empty object');
      if (typeof def.StartAt !== 'string') this.add(p('StartAt'), 'StartAt is required and must be a string');
      return;
    }
    const names = new Set(Object.keys(states));
    if (typeof def.StartAt !== 'string') this.add(p('StartAt'), 'StartAt is required and must be a string');
    else if (!names.has(def.StartAt)) this.add(p('StartAt'), `StartAt '${def.StartAt}' is not a state in States`);
    const edges = new Map<string, string[]>();
    for (const name of names) {
      const sp = `${p('States')}.${name}`;
      if (name.length === 0 || name.length > 80) this.add(sp, 'State names must be 1 to 80 characters long');
      edges.set(name, this.state(states[name], sp, machineQl, names));
    }
    const terminal = Object.values(states).some((st) => isObj(st) && (st.End === true || st.Type === 'Succeed' || st.Type === 'Fail' || st.Type === 'Choice'));
    if (!terminal) this.add(p('States'), 'The state machine has no terminal state (End: true, Succeed or Fail)');
    if (typeof def.StartAt === 'string' && names.has(def.StartAt)) {
      const seen = new Set<string>([def.StartAt]);
      const queue = [def.StartAt];
      while (queue.length) {
        for (const n of edges.get(queue.pop()!) ?? []) {
          if (!seen.has(n)) {
            seen.add(n);
            queue.push(n);
          }
        }
      }
      for (const name of names) if (!seen.has(name)) this.add(`${p('States')}.${name}`, `State '${name}' is not reachable from StartAt`);
    }
  }

  private processorConfig(at: string, v: unknown): void {
    if (!isObj(v)) return this.add(at, 'ProcessorConfig must be an object');
    for (const k of Object.keys(v)) if (k !== 'Mode' && k !== 'ExecutionType') this.add(`${at}.${k}`, `Field '${k}' is not supported in ProcessorConfig`);
    if (v.Mode !== undefined && v.Mode !== 'INLINE' && v.Mode !== 'DISTRIBUTED') this.add(`${at}.Mode`, "Mode must be 'INLINE' or 'DISTRIBUTED'");
    if (v.ExecutionType !== undefined && v.ExecutionType !== 'STANDARD' && v.ExecutionType !== 'EXPRESS') {
      this.add(`${at}.ExecutionType`, "ExecutionType must be 'STANDARD' or 'EXPRESS'");
    }
  }

  /** Validate one state; returns the names it can transition to. */
  private state(s: unknown, at: string, machineQl: QL, names: ReadonlySet<string>): string[] {
    const targets: string[] = [];
    if (!isObj(s)) {
      this.add(at, 'A state must be a JSON object');
      return targets;
    }
    const type = s.Type;
    const spec = typeof type === 'string' ? FIELDS[type] : undefined;
    if (!spec) {
      this.add(`${at}.Type`, `Type must be one of ${Object.keys(FIELDS).join(', ')}`);
      return targets;
    }
    let ql = machineQl;
    if (s.QueryLanguage !== undefined) {
      if (s.QueryLanguage !== 'JSONPath' && s.QueryLanguage !== 'JSONata') this.add(`${at}.QueryLanguage`, "QueryLanguage must be 'JSONPath' or 'JSONata'");
      else if (machineQl === 'JSONata' && s.QueryLanguage === 'JSONPath') {
        this.add(`${at}.QueryLanguage`, "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata");
      } else ql = s.QueryLanguage;
    }
    const other: QL = ql === 'JSONata' ? 'JSONPath' : 'JSONata';
    for (const k of Object.keys(s)) {
      if (COMMON.includes(k) || spec.both.includes(k) || spec[ql].includes(k)) continue;
      if (spec[other].includes(k)) this.add(`${at}.${k}`, `Field '${k}' is not supported when QueryLanguage is ${ql}`);
      else this.add(`${at}.${k}`, `Field '${k}' is not supported by a ${String(type)} state`);
    }
    const f = (k: string): string => `${at}.${k}`;
    if (s.Comment !== undefined && typeof s.Comment !== 'string') this.add(f('Comment'), 'Comment must be a string');

    // Transitions.
    const hasFlow = spec.both.includes('Next');
    if (hasFlow) {
      if (s.End !== undefined && s.End !== true && s.End !== false) this.add(f('End'), 'End must be a boolean');
      if (s.Next !== undefined && s.End === true) this.add(f('Next'), 'Next and End cannot both be set');
      else if (s.Next === undefined && s.End !== true) this.add(f('Next'), 'The state must have either Next or End: true');
      if (s.Next !== undefined) this.transition(f('Next'), s.Next, names, targets);
    }

    // JSONPath-mode I/O fields.
    if (ql === 'JSONPath') {
      for (const k of ['InputPath', 'OutputPath'] as const) {
        if (k in s && s[k] !== null && !isScopePath(s[k])) this.add(f(k), `${k} must be a valid JSONPath or null`);
      }
      if ('ResultPath' in s && s.ResultPath !== null && !(typeof s.ResultPath === 'string' && isReferencePathSyntax(s.ResultPath))) {
        this.add(f('ResultPath'), 'ResultPath must be a valid Reference Path (e.g. $.result) or null');
      }
      for (const k of ['Parameters', 'ResultSelector', 'ItemSelector'] as const) if (k in s) this.template(f(k), s[k]);
      if (s.Assign !== undefined) this.assign(f('Assign'), s.Assign, 'JSONPath');
    } else {
      for (const k of ['Arguments', 'Output', 'Items', 'ItemSelector']) if (k in s) this.jsonataValue(f(k), s[k]);
      if (s.Assign !== undefined) this.assign(f('Assign'), s.Assign, 'JSONata');
    }

    switch (type) {
      case 'Task':
        this.task(s, at, ql);
        break;
      case 'Choice':
        this.choice(s, at, ql, names, targets);
        break;
      case 'Wait':
        this.wait(s, at, ql);
        break;
      case 'Fail':
        this.fail(s, at, ql);
        break;
      case 'Parallel':
        if (!Array.isArray(s.Branches) || s.Branches.length === 0) this.add(f('Branches'), 'Branches is required and must be a non-empty array');
        else s.Branches.forEach((b, i) => this.machine(b, `${at}.Branches[${i}]`, machineQl, false));
        break;
      case 'Map':
        this.map(s, at, ql, machineQl);
        break;
    }
    if (type === 'Task' || type === 'Parallel' || type === 'Map') {
      if (s.Retry !== undefined) this.retriers(f('Retry'), s.Retry);
      if (s.Catch !== undefined) this.catchers(f('Catch'), s.Catch, ql, names, targets);
    }
    return targets;
  }

  private transition(at: string, next: unknown, names: ReadonlySet<string>, targets: string[]): void {
    if (typeof next !== 'string') this.add(at, 'Next must be a state name');
    else if (!names.has(next)) this.add(at, `Next state '${next}' does not exist`);
    else targets.push(next);
  }

  private positiveInt(at: string, v: unknown, max = 99999999): void {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) this.add(at, `must be an integer between 1 and ${max}`);
  }

  private numberOrJsonata(at: string, v: unknown, ql: QL, check: (n: number) => string | undefined): void {
    if (ql === 'JSONata' && isJsonataExpr(v)) return this.jsonataValue(at, v);
    if (typeof v !== 'number') return this.add(at, ql === 'JSONata' ? 'must be a number or a JSONata expression {% … %}' : 'must be a number');
    const msg = check(v);
    if (msg) this.add(at, msg);
  }

  private pathField(at: string, v: unknown): void {
    if (!isScopePath(v)) this.add(at, 'must be a valid JSONPath');
  }

  private task(s: Obj, at: string, ql: QL): void {
    const f = (k: string): string => `${at}.${k}`;
    if (typeof s.Resource !== 'string' || !s.Resource) this.add(f('Resource'), 'Resource is required and must be a string (an ARN)');
    else if (!s.Resource.startsWith('arn:')) this.add(f('Resource'), 'Resource must be an ARN');
    const intRange = (n: number): string | undefined => (Number.isInteger(n) && n >= 1 && n <= 99999999 ? undefined : 'must be an integer between 1 and 99999999');
    if (s.TimeoutSeconds !== undefined) this.numberOrJsonata(f('TimeoutSeconds'), s.TimeoutSeconds, ql, intRange);
    if (s.HeartbeatSeconds !== undefined) this.numberOrJsonata(f('HeartbeatSeconds'), s.HeartbeatSeconds, ql, intRange);
    if (s.TimeoutSeconds !== undefined && s.TimeoutSecondsPath !== undefined) this.add(f('TimeoutSecondsPath'), 'TimeoutSeconds and TimeoutSecondsPath cannot both be set');
    if (s.HeartbeatSeconds !== undefined && s.HeartbeatSecondsPath !== undefined) {
      this.add(f('HeartbeatSecondsPath'), 'HeartbeatSeconds and HeartbeatSecondsPath cannot both be set');
    }
    if (typeof s.TimeoutSeconds === 'number' && typeof s.HeartbeatSeconds === 'number' && s.HeartbeatSeconds >= s.TimeoutSeconds) {
      this.add(f('HeartbeatSeconds'), 'HeartbeatSeconds must be smaller than TimeoutSeconds');
    }
    for (const k of ['TimeoutSecondsPath', 'HeartbeatSecondsPath']) if (s[k] !== undefined) this.pathField(f(k), s[k]);
    if (s.Credentials !== undefined && !isObj(s.Credentials)) this.add(f('Credentials'), 'Credentials must be an object');
  }

  private wait(s: Obj, at: string, ql: QL): void {
    const keys = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'].filter((k) => s[k] !== undefined);
    if (keys.length !== 1) {
      this.add(at, `A Wait state needs exactly one of Seconds, Timestamp${ql === 'JSONPath' ? ', SecondsPath, TimestampPath' : ''} (found ${keys.length ? keys.join(', ') : 'none'})`);
    }
    if (s.Seconds !== undefined) {
      this.numberOrJsonata(`${at}.Seconds`, s.Seconds, ql, (n) => (Number.isInteger(n) && n >= 0 && n <= 99999999 ? undefined : 'must be an integer between 0 and 99999999'));
    }
    if (s.Timestamp !== undefined) {
      if (ql === 'JSONata' && isJsonataExpr(s.Timestamp)) this.jsonataValue(`${at}.Timestamp`, s.Timestamp);
      else if (parseTimestamp(s.Timestamp) === undefined) this.add(`${at}.Timestamp`, 'must be an ISO-8601 extended offset date-time (e.g. 2016-03-14T01:59:00Z)');
    }
    for (const k of ['SecondsPath', 'TimestampPath']) if (s[k] !== undefined) this.pathField(`${at}.${k}`, s[k]);
  }

  private fail(s: Obj, at: string, ql: QL): void {
    for (const [lit, path] of [
      ['Error', 'ErrorPath'],
      ['Cause', 'CausePath'],
    ] as const) {
      if (s[lit] !== undefined && s[path] !== undefined) this.add(`${at}.${path}`, `${lit} and ${path} cannot both be set`);
      if (s[lit] !== undefined) {
        if (typeof s[lit] !== 'string') this.add(`${at}.${lit}`, 'must be a string');
        else if (ql === 'JSONata' && isJsonataExpr(s[lit])) this.jsonataValue(`${at}.${lit}`, s[lit]);
      }
      if (s[path] !== undefined) {
        const v = s[path];
        if (typeof v === 'string' && isIntrinsicCall(v)) this.intrinsic(`${at}.${path}`, v);
        else this.pathField(`${at}.${path}`, v);
      }
    }
  }

  /** `machineQl`: nested states default to the top-level QueryLanguage, not the Map state's. */
  private map(s: Obj, at: string, ql: QL, machineQl: QL): void {
    const f = (k: string): string => `${at}.${k}`;
    if (s.ItemProcessor !== undefined && s.Iterator !== undefined) this.add(f('Iterator'), 'ItemProcessor and Iterator cannot both be set');
    const proc = s.ItemProcessor ?? s.Iterator;
    if (proc === undefined) this.add(f('ItemProcessor'), 'ItemProcessor is required');
    else this.machine(proc, f(s.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator'), machineQl, false);
    if (s.ItemSelector !== undefined && s.Parameters !== undefined) this.add(f('Parameters'), 'ItemSelector and Parameters cannot both be set');
    if (s.ItemsPath !== undefined && (typeof s.ItemsPath !== 'string' || (!isReferencePathSyntax(s.ItemsPath) && !isScopePath(s.ItemsPath)))) {
      this.add(f('ItemsPath'), 'must be a valid Reference Path');
    }
    if (s.MaxConcurrency !== undefined) {
      this.numberOrJsonata(f('MaxConcurrency'), s.MaxConcurrency, ql, (n) => (Number.isInteger(n) && n >= 0 ? undefined : 'must be a non-negative integer'));
    }
    if (s.ToleratedFailurePercentage !== undefined) {
      this.numberOrJsonata(f('ToleratedFailurePercentage'), s.ToleratedFailurePercentage, ql, (n) => (n >= 0 && n <= 100 ? undefined : 'must be between 0 and 100'));
    }
    if (s.ToleratedFailureCount !== undefined) {
      this.numberOrJsonata(f('ToleratedFailureCount'), s.ToleratedFailureCount, ql, (n) => (Number.isInteger(n) && n >= 0 ? undefined : 'must be a non-negative integer'));
    }
    for (const [a, b] of [
      ['MaxConcurrency', 'MaxConcurrencyPath'],
      ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath'],
      ['ToleratedFailureCount', 'ToleratedFailureCountPath'],
    ] as const) {
      if (s[a] !== undefined && s[b] !== undefined) this.add(f(b), `${a} and ${b} cannot both be set`);
      if (s[b] !== undefined) this.pathField(f(b), s[b]);
    }
    if (s.Label !== undefined && (typeof s.Label !== 'string' || s.Label.length > 40)) this.add(f('Label'), 'Label must be a string of at most 40 characters');
  }

  private retriers(at: string, v: unknown): void {
    if (!Array.isArray(v)) return this.add(at, 'Retry must be an array');
    v.forEach((r, i) => {
      const rp = `${at}[${i}]`;
      if (!isObj(r)) return this.add(rp, 'A retrier must be an object');
      for (const k of Object.keys(r)) {
        if (!['ErrorEquals', 'IntervalSeconds', 'MaxAttempts', 'BackoffRate', 'MaxDelaySeconds', 'JitterStrategy', 'Comment'].includes(k)) {
          this.add(`${rp}.${k}`, `Field '${k}' is not supported in a retrier`);
        }
      }
      this.errorEquals(rp, r.ErrorEquals, i === v.length - 1, 'retrier');
      if (r.IntervalSeconds !== undefined) this.positiveInt(`${rp}.IntervalSeconds`, r.IntervalSeconds);
      if (r.MaxAttempts !== undefined && (typeof r.MaxAttempts !== 'number' || !Number.isInteger(r.MaxAttempts) || r.MaxAttempts < 0 || r.MaxAttempts > 99999999)) {
        this.add(`${rp}.MaxAttempts`, 'must be an integer between 0 and 99999999');
      }
      if (r.BackoffRate !== undefined && (typeof r.BackoffRate !== 'number' || r.BackoffRate < 1)) this.add(`${rp}.BackoffRate`, 'must be a number greater than or equal to 1.0');
      if (r.MaxDelaySeconds !== undefined) this.positiveInt(`${rp}.MaxDelaySeconds`, r.MaxDelaySeconds, 31622401);
      if (r.JitterStrategy !== undefined && r.JitterStrategy !== 'FULL' && r.JitterStrategy !== 'NONE') this.add(`${rp}.JitterStrategy`, "must be 'FULL' or 'NONE'");
    });
  }

  private catchers(at: string, v: unknown, ql: QL, names: ReadonlySet<string>, targets: string[]): void {
    if (!Array.isArray(v)) return this.add(at, 'Catch must be an array');
    v.forEach((c, i) => {
      const cp = `${at}[${i}]`;
      if (!isObj(c)) return this.add(cp, 'A catcher must be an object');
      const allowed = ['ErrorEquals', 'Next', 'Comment', 'Assign', ql === 'JSONPath' ? 'ResultPath' : 'Output'];
      for (const k of Object.keys(c)) {
        if (!allowed.includes(k)) {
          this.add(`${cp}.${k}`, k === 'ResultPath' || k === 'Output' ? `Field '${k}' is not supported when QueryLanguage is ${ql}` : `Field '${k}' is not supported in a catcher`);
        }
      }
      this.errorEquals(cp, c.ErrorEquals, i === v.length - 1, 'catcher');
      if (c.Next === undefined) this.add(`${cp}.Next`, 'A catcher needs Next');
      else this.transition(`${cp}.Next`, c.Next, names, targets);
      if (ql === 'JSONPath' && 'ResultPath' in c && c.ResultPath !== null && !(typeof c.ResultPath === 'string' && isReferencePathSyntax(c.ResultPath))) {
        this.add(`${cp}.ResultPath`, 'ResultPath must be a valid Reference Path or null');
      }
      if (ql === 'JSONata' && 'Output' in c) this.jsonataValue(`${cp}.Output`, c.Output);
      if (c.Assign !== undefined) this.assign(`${cp}.Assign`, c.Assign, ql);
    });
  }

  private errorEquals(at: string, v: unknown, last: boolean, what: string): void {
    const p = `${at}.ErrorEquals`;
    if (!Array.isArray(v) || v.length === 0 || !v.every((e) => typeof e === 'string' && e.length > 0)) {
      return this.add(p, 'ErrorEquals is required and must be a non-empty array of error names');
    }
    if (v.includes('States.ALL')) {
      if (v.length > 1) this.add(p, "'States.ALL' must appear alone in ErrorEquals");
      if (!last) this.add(p, `A ${what} with 'States.ALL' must be the last one`);
    }
  }

  private choice(s: Obj, at: string, ql: QL, names: ReadonlySet<string>, targets: string[]): void {
    const f = (k: string): string => `${at}.${k}`;
    if (!Array.isArray(s.Choices) || s.Choices.length === 0) this.add(f('Choices'), 'Choices is required and must be a non-empty array');
    else {
      s.Choices.forEach((r, i) => {
        const rp = `${at}.Choices[${i}]`;
        if (!isObj(r)) return this.add(rp, 'A Choice rule must be an object');
        if (r.Next === undefined) this.add(`${rp}.Next`, 'A top-level Choice rule needs Next');
        else this.transition(`${rp}.Next`, r.Next, names, targets);
        if (r.Assign !== undefined) this.assign(`${rp}.Assign`, r.Assign, ql);
        if (ql === 'JSONata') {
          for (const k of Object.keys(r)) {
            if (!['Condition', 'Next', 'Assign', 'Output', 'Comment'].includes(k)) this.add(`${rp}.${k}`, `Field '${k}' is not supported in a JSONata Choice rule`);
          }
          if (r.Condition === undefined) this.add(`${rp}.Condition`, 'A JSONata Choice rule needs Condition');
          else if (typeof r.Condition !== 'boolean') this.jsonataValue(`${rp}.Condition`, r.Condition);
          if (r.Output !== undefined) this.jsonataValue(`${rp}.Output`, r.Output);
        } else {
          this.rule(r, rp, true);
        }
      });
    }
    if (s.Default !== undefined) this.transition(f('Default'), s.Default, names, targets);
  }

  private rule(r: Obj, at: string, top: boolean): void {
    const extra = top ? ['Next', 'Comment', 'Assign'] : ['Comment'];
    const bools = ['And', 'Or', 'Not'].filter((k) => r[k] !== undefined);
    const ops = Object.keys(r).filter((k) => CHOICE_OPERATORS.includes(k));
    for (const k of Object.keys(r)) {
      if (extra.includes(k) || k === 'Variable' || bools.includes(k) || ops.includes(k)) continue;
      if (k === 'Next') this.add(`${at}.Next`, 'Next is only allowed on top-level Choice rules');
      else if (k === 'Condition') this.add(`${at}.Condition`, 'Condition is only supported when QueryLanguage is JSONata');
      else this.add(`${at}.${k}`, `Field '${k}' is not a Choice rule operator`);
    }
    if (bools.length + (ops.length ? 1 : 0) !== 1 || ops.length > 1) {
      return this.add(at, 'A Choice rule needs exactly one of And, Or, Not or a single comparison operator with Variable');
    }
    if (bools.length === 1) {
      if (r.Variable !== undefined) this.add(`${at}.Variable`, 'Variable is not allowed with And/Or/Not');
      const k = bools[0]!;
      const v = r[k];
      if (k === 'Not') {
        if (!isObj(v)) this.add(`${at}.Not`, 'Not must be a Choice rule object');
        else this.rule(v, `${at}.Not`, false);
      } else if (!Array.isArray(v) || v.length === 0) this.add(`${at}.${k}`, `${k} must be a non-empty array of Choice rules`);
      else v.forEach((x, i) => (isObj(x) ? this.rule(x, `${at}.${k}[${i}]`, false) : this.add(`${at}.${k}[${i}]`, 'A Choice rule must be an object')));
      return;
    }
    if (!isScopePath(r.Variable)) this.add(`${at}.Variable`, 'Variable is required and must be a valid JSONPath');
    const op = ops[0]!;
    const v = r[op];
    const bad = (what: string): void => this.add(`${at}.${op}`, `${op} must be ${what}`);
    if (op.endsWith('Path')) {
      if (!isScopePath(v)) bad('a valid JSONPath');
    } else if (op.startsWith('Is')) {
      if (typeof v !== 'boolean') bad('a boolean');
    } else if (op.startsWith('String')) {
      if (typeof v !== 'string') bad('a string');
    } else if (op.startsWith('Numeric')) {
      if (typeof v !== 'number') bad('a number');
    } else if (op.startsWith('Boolean')) {
      if (typeof v !== 'boolean') bad('a boolean');
    } else if (op.startsWith('Timestamp')) {
      if (parseTimestamp(v) === undefined) bad('an ISO-8601 timestamp (e.g. 2016-03-14T01:59:00Z)');
    }
  }

  private template(at: string, v: unknown): void {
    if (Array.isArray(v)) return v.forEach((x, i) => this.template(`${at}[${i}]`, x));
    if (!isObj(v)) return;
    for (const k of Object.keys(v)) {
      if (k.endsWith('.$') && Object.prototype.hasOwnProperty.call(v, k.slice(0, -2))) {
        this.add(`${at}.${k}`, `Fields '${k.slice(0, -2)}' and '${k}' would both produce the field '${k.slice(0, -2)}'`);
      }
    }
    for (const [k, x] of Object.entries(v)) {
      const kp = `${at}.${k}`;
      if (k.endsWith('.$')) this.dollarValue(kp, x);
      else this.template(kp, x);
    }
  }

  private dollarValue(at: string, x: unknown): void {
    if (typeof x !== 'string') return this.add(at, 'The value of a field ending in .$ must be a JSONPath or an intrinsic function call');
    if (isIntrinsicCall(x)) this.intrinsic(at, x);
    else if (!isScopePath(x)) this.add(at, `'${x}' is not a valid JSONPath or intrinsic function call`);
  }

  private intrinsic(at: string, x: string): void {
    try {
      parseIntrinsic(x);
    } catch (e) {
      this.add(at, (e as Error).message);
    }
  }

  private assign(at: string, v: unknown, ql: QL): void {
    if (!isObj(v)) return this.add(at, 'Assign must be an object');
    for (const [k, x] of Object.entries(v)) {
      const name = k.endsWith('.$') ? k.slice(0, -2) : k;
      if (!VARIABLE_NAME.test(name)) this.add(`${at}.${k}`, `'${name}' is not a valid variable name`);
      else if (name === 'states') this.add(`${at}.${k}`, "'states' is reserved and cannot be assigned");
      if (k.endsWith('.$') && Object.prototype.hasOwnProperty.call(v, name)) this.add(`${at}.${k}`, `Variable '${name}' is assigned twice`);
      if (ql === 'JSONPath') {
        if (k.endsWith('.$')) this.dollarValue(`${at}.${k}`, x);
        else this.template(`${at}.${k}`, x);
      } else this.jsonataValue(`${at}.${k}`, x);
    }
  }

  /** Check the syntax of every `{% … %}` string inside a JSONata-mode value. */
  private jsonataValue(at: string, v: unknown): void {
    if (typeof v === 'string') {
      const t = v.trim();
      if (t.startsWith('{%') || t.endsWith('%}')) {
        if (!isJsonataExpr(t)) return this.add(at, 'A JSONata expression must be written {% … %}');
        try {
          jsonata(t.slice(2, -2));
        } catch (e) {
          this.add(at, `Invalid JSONata expression: ${(e as Error).message}`);
        }
      }
      return;
    }
    if (Array.isArray(v)) return v.forEach((x, i) => this.jsonataValue(`${at}[${i}]`, x));
    if (isObj(v)) for (const [k, x] of Object.entries(v)) this.jsonataValue(`${at}.${k}`, x);
  }
}

/** Every problem in a definition; empty when it is valid ASL. */
export function validateDefinition(def: unknown): ValidationIssue[] {
  const v = new Validator();
  v.machine(def, '', 'JSONPath', true);
  return v.issues;
}

/** Throw ValidationError('States.InvalidDefinition', issues) unless the definition is valid. */
export function assertValidDefinition(def: unknown): void {
  const issues = validateDefinition(def);
  if (issues.length) throw new ValidationError('States.InvalidDefinition', issues);
}
