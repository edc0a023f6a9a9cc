/**
 * JSONPath-mode Choice rules: And/Or/Not and every data-test operator. A value of the wrong type
 * makes a comparison false (as on AWS); a Variable path that selects nothing is States.Runtime,
 * except for IsPresent and the other Is* tests, which are false.
 */
import { StatesError } from '../../schemas/errors';
import { jsonEqual } from './intrinsics';
import { PathNotFoundError, PathSyntaxError } from './jsonpath';
import { resolvePath } from './resolvePath';
import type { Scope } from './scope';
import { compareInstants, parseTimestamp } from './timestamp';

type Cmp = 'Equals' | 'LessThan' | 'GreaterThan' | 'LessThanEquals' | 'GreaterThanEquals';
type Kind = 'String' | 'Numeric' | 'Boolean' | 'Timestamp';

const COMPARISONS = new Map<string, { kind: Kind; cmp: Cmp; path: boolean }>();
for (const kind of ['String', 'Numeric', 'Boolean', 'Timestamp'] as const) {
  for (const cmp of ['Equals', 'LessThan', 'GreaterThan', 'LessThanEquals', 'GreaterThanEquals'] as const) {
    if (kind === 'Boolean' && cmp !== 'Equals') continue;
    COMPARISONS.set(`${kind}${cmp}`, { kind, cmp, path: false });
    COMPARISONS.set(`${kind}${cmp}Path`, { kind, cmp, path: true });
  }
}
const TYPE_TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'] as const;

/** Every data-test operator name. */
export const CHOICE_OPERATORS: readonly string[] = [...COMPARISONS.keys(), 'StringMatches', ...TYPE_TESTS];

/** The operator key of a data-test rule, if it has exactly one known operator. */
const OPERATOR_SET = new Set(CHOICE_OPERATORS);

export function choiceOperatorOf(rule: Record<string, unknown>): string | undefined {
  let found: string | undefined;
  for (const k in rule) {
    if (!OPERATOR_SET.has(k)) continue;
    if (found !== undefined) return undefined;
    found = k;
  }
  return found;
}

export function evaluateChoiceRule(rule: Record<string, unknown>, scope: Scope): boolean {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw new StatesError('States.Runtime', 'A Choice rule must be an object');
  if (Array.isArray(rule.And)) return (rule.And as Record<string, unknown>[]).every((r) => evaluateChoiceRule(r, scope));
  if (Array.isArray(rule.Or)) return (rule.Or as Record<string, unknown>[]).some((r) => evaluateChoiceRule(r, scope));
  if (rule.Not !== undefined && typeof rule.Not === 'object' && rule.Not !== null) {
    return !evaluateChoiceRule(rule.Not as Record<string, unknown>, scope);
  }
  const variable = rule.Variable;
  if (typeof variable !== 'string') throw new StatesError('States.Runtime', 'A Choice rule has no Variable');
  const op = choiceOperatorOf(rule);
  if (op === undefined) throw new StatesError('States.Runtime', `The Choice rule for Variable '${variable}' has no valid operator`);
  const operand = rule[op];
  if (op.endsWith('Path') && typeof operand !== 'string') {
    throw new StatesError('States.Runtime', `The operand of ${op} for Variable '${variable}' must be a JSONPath`);
  }

  if ((TYPE_TESTS as readonly string[]).includes(op)) {
    let value: unknown;
    let present = true;
    try {
      value = resolvePath(variable, scope);
    } catch (e) {
      if (e instanceof PathSyntaxError) throw new StatesError('States.Runtime', e.message);
      if (!(e instanceof PathNotFoundError)) throw e;
      present = false;
    }
    const want = operand === true;
    let is: boolean;
    switch (op) {
      case 'IsPresent':
        is = present;
        break;
      case 'IsNull':
        is = present && value === null;
        break;
      case 'IsNumeric':
        is = present && typeof value === 'number';
        break;
      case 'IsString':
        is = present && typeof value === 'string';
        break;
      case 'IsBoolean':
        is = present && typeof value === 'boolean';
        break;
      default:
        is = present && parseTimestamp(value) !== undefined;
    }
    // A missing variable fails every Is* test except IsPresent, whichever way it is asked.
    if (!present && op !== 'IsPresent') return false;
    return is === want;
  }

  const value = readOrFail(variable, scope);
  if (op === 'StringMatches') return typeof value === 'string' && typeof operand === 'string' && matchesPattern(value, operand);
  const spec = COMPARISONS.get(op)!;
  const other = spec.path ? readOrFail(operand as string, scope) : operand;
  return compareTyped(spec.kind, spec.cmp, value, other);
}

function readOrFail(path: string, scope: Scope): unknown {
  try {
    return resolvePath(path, scope);
  } catch (e) {
    if (e instanceof PathNotFoundError) throw new StatesError('States.Runtime', `Invalid path '${path}' : ${e.message}`);
    if (e instanceof PathSyntaxError) throw new StatesError('States.Runtime', e.message);
    throw e;
  }
}

function order(cmp: Cmp, c: number): boolean {
  switch (cmp) {
    case 'Equals':
      return c === 0;
    case 'LessThan':
      return c < 0;
    case 'GreaterThan':
      return c > 0;
    case 'LessThanEquals':
      return c <= 0;
    case 'GreaterThanEquals':
      return c >= 0;
  }
}

function compareTyped(kind: Kind, cmp: Cmp, a: unknown, b: unknown): boolean {
  switch (kind) {
    case 'String':
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      return order(cmp, a === b ? 0 : a < b ? -1 : 1);
    case 'Numeric':
      if (typeof a !== 'number' || typeof b !== 'number') return false;
      return order(cmp, a === b ? 0 : a < b ? -1 : 1);
    case 'Boolean':
      return typeof a === 'boolean' && typeof b === 'boolean' && jsonEqual(a, b);
    case 'Timestamp': {
      const x = parseTimestamp(a);
      const y = parseTimestamp(b);
      if (!x || !y) return false;
      return order(cmp, compareInstants(x, y));
    }
  }
}

const patternCache = new Map<string, RegExp>();

/** StringMatches: `*` matches any run of characters; `\*` and `\\` are a literal star and backslash. */
export function matchesPattern(value: string, pattern: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    let src = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) {
        src += '\\' + pattern[++i];
      } else if (c === '*') src += '[\\s\\S]*';
      else src += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`);
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re.test(value);
}
