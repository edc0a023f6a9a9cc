/**
 * Validates an EventBridge event pattern and compiles it into alternatives (one per `$or`
 * combination), each a list of field conditions sorted by field path. Error messages follow
 * event-ruler's wording where it has one, prefixed with the offending field.
 */
import { ApiError, type ValidationIssue } from '../../../schemas/errors';
import { LeafKind, exactAtom, type Atom, type Leaf, type NumericRange } from './atoms';
import { parseCidr } from './ipAddress';
import { NumberToken, PatternJsonSyntaxError, parsePatternJson, toPatternJson, type PatternJson } from './parsePatternJson';

/** EventBridge's PutRule / TestEventPattern limit on the pattern text. */
export const MAX_EVENT_PATTERN_LENGTH = 4096;
/** EventBridge refuses a pattern whose `$or` blocks multiply out to more combinations than this. */
export const MAX_OR_COMBINATIONS = 1000;

export class InvalidEventPatternException extends ApiError {
  /** The field path (dotted; '' for the whole pattern) and what is wrong with it. */
  readonly issue: ValidationIssue;
  constructor(message: string, path = '') {
    const reason = path ? `"${path}": ${message}` : message;
    super('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}`);
    this.issue = { path, message };
  }

  get reason(): string {
    return this.issue.path ? `"${this.issue.path}": ${this.issue.message}` : this.issue.message;
  }
}

export interface FieldCondition {
  /** Dotted field path (`detail.attributes.status`); event-ruler joins dotted keys the same way. */
  path: string;
  atoms: Atom[];
  /** Canonical id of the whole disjunction: two conditions with the same id match the same leaves. */
  id: string;
  hasAbsent: boolean;
}

export interface CompiledPattern {
  alternatives: FieldCondition[][];
}

function fail(path: string, message: string): never {
  throw new InvalidEventPatternException(message, path);
}

function isObject(v: PatternJson): v is { [key: string]: PatternJson } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof NumberToken);
}

function checkNumber(path: string, token: NumberToken): number {
  const v = token.value;
  // A non-zero token that rounds to 0 or overflows cannot be compared (event-ruler refuses both).
  if (!Number.isFinite(v) || (v === 0 && /[1-9]/.test(token.raw.split(/[eE]/)[0] ?? ''))) fail(path, `Cannot compare number : ${token.raw}`);
  return v;
}

function regexEscape(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

function compileWildcard(path: string, text: string): RegExp {
  let re = '^';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\') {
      const n = text[i + 1];
      if (n !== '*' && n !== '\\') fail(path, `Invalid escape character at pos ${i}`);
      re += regexEscape(n);
      i++;
    } else if (c === '*') {
      if (text[i + 1] === '*') fail(path, `Consecutive wildcard characters at pos ${i + 1}`);
      re += '[\\s\\S]*';
    } else re += regexEscape(c);
  }
  return new RegExp(`${re}$`);
}

function onlyKey(path: string, obj: { [key: string]: PatternJson }): [string, PatternJson] {
  const entries = Object.entries(obj);
  if (entries.length !== 1) fail(path, entries.length === 0 ? 'Empty match expression' : 'Only one key allowed in match expression');
  return entries[0] as [string, PatternJson];
}

function parseNumeric(path: string, spec: PatternJson): NumericRange {
  if (!Array.isArray(spec) || spec.length === 0) fail(path, 'numeric match pattern must be a non-empty array');
  if (spec.length > 4) fail(path, 'Too many elements in numeric expression');
  const range: NumericRange = { lo: -Infinity, loInclusive: false, hi: Infinity, hiInclusive: false };
  let hasLo = false;
  let hasHi = false;
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    if (typeof op !== 'string' || !['=', '<', '<=', '>', '>='].includes(op)) {
      fail(path, `Unrecognized numeric range operator: ${op instanceof NumberToken ? op.raw : JSON.stringify(op)}`);
    }
    const val = spec[i + 1];
    if (!(val instanceof NumberToken)) fail(path, `Value of ${op} must be numeric`);
    const n = checkNumber(path, val);
    if (op === '=') {
      if (spec.length !== 2) fail(path, 'Numeric "=" cannot be combined with another operator');
      return { lo: n, loInclusive: true, hi: n, hiInclusive: true };
    }
    if (op === '>' || op === '>=') {
      if (hasLo) fail(path, 'Too many lower bounds in numeric expression');
      hasLo = true;
      range.lo = n;
      range.loInclusive = op === '>=';
    } else {
      if (hasHi) fail(path, 'Too many upper bounds in numeric expression');
      hasHi = true;
      range.hi = n;
      range.hiInclusive = op === '<=';
    }
  }
  if (hasLo && hasHi && !(range.lo < range.hi)) fail(path, 'Bottom must be less than top');
  return range;
}

function nonEmptyStrings(path: string, v: PatternJson, what: string, allowList: boolean): string[] {
  const list = Array.isArray(v) && allowList ? v : [v];
  if (list.length === 0) fail(path, `${what} list must not be empty`);
  return list.map((x) => {
    if (typeof x !== 'string') fail(path, `${what} match pattern must be a string`);
    return x;
  });
}

function anythingBut(path: string, spec: PatternJson): Atom {
  const id = `ab:${JSON.stringify(spec, (_k, v: unknown) => (v instanceof NumberToken ? v.value : v))}`;
  if (typeof spec === 'string' || spec instanceof NumberToken || Array.isArray(spec)) {
    const list = Array.isArray(spec) ? spec : [spec];
    if (list.length === 0) fail(path, 'Empty arrays are not allowed');
    const allStrings = list.every((x) => typeof x === 'string');
    const allNumbers = list.every((x) => x instanceof NumberToken);
    if (!allStrings && !allNumbers) {
      if (list.some((x) => x === null || typeof x === 'boolean' || typeof x === 'object') && !list.some((x) => x instanceof NumberToken)) {
        fail(path, 'Inside anything but list, start|null|boolean is not supported.');
      }
      fail(path, 'Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    if (allNumbers) {
      const nums = new Set(list.map((x) => checkNumber(path, x)));
      return { kind: 'anythingBut', id, excludes: (leaf: Leaf) => leaf.kind === LeafKind.Number && nums.has(leaf.num) };
    }
    const strs = new Set(list);
    return { kind: 'anythingBut', id, excludes: (leaf: Leaf) => leaf.kind === LeafKind.String && strs.has(leaf.str) };
  }
  if (!isObject(spec)) fail(path, 'Inside anything but list, start|null|boolean is not supported.');
  const [op, v] = onlyKey(path, spec);
  switch (op) {
    case 'prefix':
    case 'suffix': {
      if (typeof v !== 'string' && !(op === 'suffix' && Array.isArray(v))) {
        fail(path, Array.isArray(v) && op === 'prefix' ? 'anything-but prefix takes a single prefix, not a list (EventBridge)' : 'prefix/suffix match pattern must be a string');
      }
      const values = nonEmptyStrings(path, v, 'prefix/suffix', true);
      if (values.some((s) => s === '')) fail(path, Array.isArray(v) ? 'prefix/suffix match pattern must be a string' : 'Null prefix/suffix not allowed');
      if (op === 'prefix') return { kind: 'anythingBut', id, excludes: (leaf) => leaf.kind === LeafKind.String && values.some((p) => leaf.str.startsWith(p)) };
      return { kind: 'anythingBut', id, excludes: (leaf) => leaf.kind === LeafKind.String && values.some((p) => leaf.str.endsWith(p)) };
    }
    case 'equals-ignore-case': {
      if (Array.isArray(v) ? v.some((x) => typeof x !== 'string') : typeof v !== 'string') {
        fail(path, 'Inside anything-but/ignore-case list, number|start|null|boolean is not supported.');
      }
      const lowered = new Set(nonEmptyStrings(path, v, 'equals-ignore-case', true).map((s) => s.toLowerCase()));
      return { kind: 'anythingBut', id, excludes: (leaf) => leaf.kind === LeafKind.String && lowered.has(leaf.str.toLowerCase()) };
    }
    case 'wildcard': {
      const res = nonEmptyStrings(path, v, 'wildcard', true).map((w) => compileWildcard(path, w));
      return { kind: 'anythingBut', id, excludes: (leaf) => leaf.kind === LeafKind.String && res.some((r) => r.test(leaf.str)) };
    }
    default:
      return fail(path, `Unsupported anything-but pattern: ${op}`);
  }
}

function prefixOrSuffix(path: string, op: 'prefix' | 'suffix', v: PatternJson): Atom {
  if (typeof v === 'string') return { kind: op, id: `${op}:${v}`, value: v, ignoreCase: false };
  if (isObject(v)) {
    const [sub, s] = onlyKey(path, v);
    if (sub !== 'equals-ignore-case') fail(path, `Unsupported ${op} pattern: ${sub}`);
    if (typeof s !== 'string') fail(path, 'equals-ignore-case match pattern must be a string');
    const lower = s.toLowerCase();
    return { kind: op, id: `${op}i:${lower}`, value: lower, ignoreCase: true };
  }
  return fail(path, `${op} match pattern must be a string`);
}

function parseOperator(path: string, obj: { [key: string]: PatternJson }): Atom {
  const [op, v] = onlyKey(path, obj);
  switch (op) {
    case 'prefix':
    case 'suffix':
      return prefixOrSuffix(path, op, v);
    case 'equals-ignore-case': {
      if (typeof v !== 'string') fail(path, 'equals-ignore-case match pattern must be a string');
      const lower = v.toLowerCase();
      return { kind: 'equalsIgnoreCase', id: `eic:${lower}`, value: lower };
    }
    case 'wildcard':
      if (typeof v !== 'string') fail(path, 'wildcard match pattern must be a string');
      return { kind: 'wildcard', id: `w:${v}`, regex: compileWildcard(path, v) };
    case 'anything-but':
      return anythingBut(path, v);
    case 'numeric': {
      const r = parseNumeric(path, v);
      return { kind: 'numeric', id: `num:${r.loInclusive ? '[' : '('}${r.lo},${r.hi}${r.hiInclusive ? ']' : ')'}`, range: r };
    }
    case 'exists':
      if (typeof v !== 'boolean') fail(path, 'exists match pattern must be either true or false.');
      return v ? { kind: 'exists', id: 'exists' } : { kind: 'absent', id: 'absent' };
    case 'cidr': {
      if (typeof v !== 'string') fail(path, 'cidr match pattern must be a string');
      const range = parseCidr(v);
      if (typeof range === 'string') fail(path, range);
      return { kind: 'cidr', id: `cidr:${Array.from(range.bytes).join('.')}/${range.prefixLength}`, range };
    }
    case 'exactly':
      if (typeof v !== 'string') fail(path, 'exact match pattern must be a string');
      return exactAtom(v);
    default:
      return fail(path, `Unrecognized match type ${op}`);
  }
}

function parseMatchList(path: string, list: PatternJson[]): FieldCondition {
  if (list.length === 0) fail(path, 'Empty arrays are not allowed');
  const atoms = new Map<string, Atom>();
  for (const item of list) {
    let atom: Atom;
    if (typeof item === 'string' || typeof item === 'boolean' || item === null) atom = exactAtom(item);
    else if (item instanceof NumberToken) atom = exactAtom(checkNumber(path, item));
    else if (Array.isArray(item)) fail(path, 'Match value must be a string, number, boolean, null or a match expression object, not an array');
    else atom = parseOperator(path, item);
    atoms.set(atom.id, atom);
  }
  const ids = [...atoms.keys()].sort();
  return { path, atoms: ids.map((id) => atoms.get(id) as Atom), id: ids.join('\u0001'), hasAbsent: atoms.has('absent') };
}

function isOrBlock(v: PatternJson): v is { [key: string]: PatternJson }[] {
  return Array.isArray(v) && v.length >= 2 && v.every(isObject);
}

function cross(a: FieldCondition[][], b: FieldCondition[][]): FieldCondition[][] {
  if (a.length * b.length > MAX_OR_COMBINATIONS) {
    fail('', `$or use results in more than ${MAX_OR_COMBINATIONS} rule combinations (at least ${a.length * b.length})`);
  }
  const out: FieldCondition[][] = [];
  // A later condition on the same path replaces an earlier one (event-ruler's rule override).
  for (const x of a) {
    for (const y of b) {
      const paths = new Set(y.map((c) => c.path));
      out.push([...x.filter((c) => !paths.has(c.path)), ...y]);
    }
  }
  return out;
}

function walkObject(obj: { [key: string]: PatternJson }, prefix: string): FieldCondition[][] {
  const keys = Object.keys(obj);
  if (keys.length === 0) fail(prefix, 'Empty objects are not allowed');
  let acc: FieldCondition[][] = [[]];
  for (const key of keys) {
    const value = obj[key] as PatternJson;
    let alts: FieldCondition[][];
    if (key === '$or' && isOrBlock(value)) {
      alts = value.flatMap((branch) => walkObject(branch, prefix));
      if (alts.length > MAX_OR_COMBINATIONS) fail(prefix, `$or use results in more than ${MAX_OR_COMBINATIONS} rule combinations`);
    } else {
      const path = prefix ? `${prefix}.${key}` : key;
      if (isObject(value)) alts = walkObject(value, path);
      else if (Array.isArray(value)) alts = [[parseMatchList(path, value)]];
      else fail(path, 'Match value must be an array of values or match expressions, e.g. ["value"] or [{"prefix": "val"}]');
    }
    acc = cross(acc, alts);
  }
  return acc;
}

function comparePaths(a: FieldCondition, b: FieldCondition): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Compiles a pattern (JSON text or a parsed object); throws InvalidEventPatternException. */
export function compilePattern(pattern: string | object): CompiledPattern {
  const text = typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
  if (text.length > MAX_EVENT_PATTERN_LENGTH) fail('', `Event pattern is ${text.length} characters long; the maximum is ${MAX_EVENT_PATTERN_LENGTH}`);
  let root: PatternJson;
  try {
    root = typeof pattern === 'string' ? parsePatternJson(pattern) : toPatternJson(pattern);
  } catch (err) {
    if (err instanceof PatternJsonSyntaxError) throw new InvalidEventPatternException(`Invalid JSON: ${err.message}`);
    throw err;
  }
  if (!isObject(root)) fail('', 'Filter is not an object');
  return { alternatives: walkObject(root, '').map((alt) => alt.sort(comparePaths)) };
}

/** Why the pattern would be refused at rule creation, as `{path, message}` (empty when valid). */
export function validatePatternIssues(pattern: string | object): ValidationIssue[] {
  try {
    compilePattern(pattern);
    return [];
  } catch (err) {
    if (err instanceof InvalidEventPatternException) return [err.issue];
    throw err;
  }
}

/** Why the pattern would be refused, as text such as `"detail.status": prefix match pattern must be a string`. */
export function validatePattern(pattern: string | object): string[] {
  return validatePatternIssues(pattern).map((i) => (i.path ? `"${i.path}": ${i.message}` : i.message));
}
