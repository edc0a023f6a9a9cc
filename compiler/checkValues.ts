import { isRecord } from './schemaDiagnostics';
import { JSONATA_FUNCTIONS, UNAVAILABLE_JSONATA_FUNCTIONS } from '../schemas/jsonataFunctions';
import { badZoneArguments, expressionBody, functionCalls, isExpression, isTemplate, parseJsonata, templateParts, variableReferences } from './expressions';
import type { Reporter } from './reporter';
import { suggest } from './suggest';
import type { PathSegment } from './yamlSource';

/** Variables every expression may use besides step outputs and `set:` names. */
export const BUILTIN_VARIABLES = ['event', 'error', 'states'] as const;

/**
 * The variables a step can see, asked name by name: building the set of every visible name for
 * every step would make checking a file quadratic in its step count.
 */
export interface Known {
  visible(name: string): boolean;
  /** Where `name` is defined (e.g. "forEach 'remind'") when it is defined only in scopes the step is not in. */
  elsewhere(name: string): string | undefined;
  /** The visible name closest to `name`, for "did you mean". */
  closest(name: string): string | undefined;
}

/** A fixed set of visible names (e.g. the correlation key sees only $event and $states). */
export function knownNames(names: readonly string[]): Known {
  const set = new Set(names);
  return { visible: (n) => set.has(n), elsewhere: () => undefined, closest: (n) => suggest(n, set) };
}

/**
 * Checks every JSONata expression in a value: `{% … %}` strings, templates ("a {% $x %} b"), and,
 * with `condition`, bare strings (conditions are always expressions). Unknown `$names` are warnings.
 */
export function checkValue(value: unknown, path: PathSegment[], reporter: Reporter, known: Known, condition = false): void {
  if (typeof value === 'string') {
    if (isExpression(value)) checkExpression(expressionBody(value), path, reporter, known, value.indexOf('{%') + 2);
    else if (condition) checkExpression(value, path, reporter, known, 0);
    else if (isTemplate(value)) {
      const parts = templateParts(value);
      if ('error' in parts) reporter.error(path, parts.error, { code: 'jsonata' });
      else for (const p of parts) if (p.expr !== undefined) checkExpression(p.expr, path, reporter, known, value.indexOf(`{%${p.expr}%}`) + 2);
    }
    return;
  }
  if (Array.isArray(value)) value.forEach((v, i) => checkValue(v, [...path, i], reporter, known));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) checkValue(v, [...path, k], reporter, known);
}

/** `start`: where the body begins inside the YAML string, so errors point at the offending character. */
function checkExpression(body: string, path: PathSegment[], reporter: Reporter, known: Known, start: number): void {
  if (body.trim() === '') {
    reporter.error(path, 'empty expression', { code: 'jsonata' });
    return;
  }
  const parsed = parseJsonata(body);
  if ('problem' in parsed) {
    // JSONata reports the position just after the offending token.
    const at = parsed.problem.offset === undefined ? undefined : start + Math.max(0, parsed.problem.offset - 1);
    reporter.error(path, parsed.problem.message, { code: 'jsonata', innerOffset: at });
    return;
  }
  for (const [name, offsets] of functionCalls(parsed.ast)) {
    if (JSONATA_FUNCTIONS.has(name)) continue;
    const instead = UNAVAILABLE_JSONATA_FUNCTIONS[name];
    const message = instead
      ? `$${name} is not available in AWS Step Functions' JSONata`
      : `unknown JSONata function $${name}: neither JSONata nor AWS Step Functions has it (workflows cannot define functions)`;
    reporter.error(path, message, { code: 'unknown-function', innerOffset: start + (offsets[0] ?? 0), suggestion: functionSuggestion(name) });
  }
  for (const bad of badZoneArguments(parsed.ast)) {
    reporter.error(path, `$${bad.fn} takes a UTC offset such as '+0100' as its time zone, not '${bad.zone}' (it would render NaN)`, {
      code: 'jsonata-timezone',
      innerOffset: start + bad.offset,
      suggestion: "the time.format task, which renders an instant in a person's IANA zone and language",
    });
  }
  for (const [name, offsets] of variableReferences(parsed.ast)) {
    if (known.visible(name)) continue;
    const where = known.elsewhere(name);
    if (where !== undefined) {
      reporter.warning(path, `$${name} is set only inside ${where}; outside it, use that step's output (a list)`, { code: 'variable-scope', innerOffset: start + (offsets[0] ?? 0) });
      continue;
    }
    reporter.warning(path, `unknown variable $${name}: not a step id, a set: variable, a forEach item or $event`, {
      code: 'unknown-variable',
      innerOffset: start + (offsets[0] ?? 0),
      suggestion: ((s) => (s ? `$${s}` : undefined))(known.closest(name)),
    });
  }
}

/** What authors coming from JavaScript or FHIRPath reach for, and the JSONata that does it. */
const FUNCTION_EQUIVALENTS: Readonly<Record<string, string>> = {
  startsWith: '$substring(text, 0, $length(prefix)) = prefix',
  endsWith: '$substring(text, -$length(suffix)) = suffix',
  includes: '$contains',
  indexOf: '$contains',
  toUpperCase: '$uppercase',
  upper: '$uppercase',
  toLowerCase: '$lowercase',
  lower: '$lowercase',
  parseInt: '$parseInteger or $number',
  parseFloat: '$number',
  toString: '$string',
  concat: '$append, or & for text',
  format: 'the time.format task for dates, $formatNumber for numbers',
  formatDate: "the time.format task (a time in the person's zone and language)",
  date: 'the time.format task, or $toMillis/$fromMillis',
  today: '$now()',
  size: '$count or $length',
  isEmpty: 'not($exists(x))',
  empty: 'not($exists(x))',
  first: 'x[0]',
  last: 'x[-1]',
};

function functionSuggestion(name: string): string | undefined {
  const instead = UNAVAILABLE_JSONATA_FUNCTIONS[name];
  if (instead !== undefined) return `$${instead}`;
  const known = FUNCTION_EQUIVALENTS[name];
  if (known !== undefined) return known;
  const close = suggest(name, JSONATA_FUNCTIONS);
  return close === undefined ? undefined : `$${close}`;
}
