import { isRecord } from './schemaDiagnostics';
import { expressionBody, isExpression, isTemplate, parseJsonata, templateParts, variableReferences } from './expressions';
import type { Reporter } from './reporter';
import { suggest } from './suggest';
import type { PathSegment } from './yamlSource';

/** Variables every expression may use besides step outputs and `set:` names. */
export const BUILTIN_VARIABLES = ['event', 'error', 'states'] as const;

/**
 * Checks every JSONata expression in a value: `{% … %}` strings, templates ("a {% $x %} b"), and,
 * with `condition`, bare strings (conditions are always expressions). Unknown `$names` are warnings.
 */
export function checkValue(value: unknown, path: PathSegment[], reporter: Reporter, known: ReadonlySet<string>, condition = false): void {
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
function checkExpression(body: string, path: PathSegment[], reporter: Reporter, known: ReadonlySet<string>, start: number): void {
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
  for (const [name, offsets] of variableReferences(parsed.ast)) {
    if (known.has(name)) continue;
    reporter.warning(path, `unknown variable $${name}: not a step id, a set: variable, a forEach item or $event`, {
      code: 'unknown-variable',
      innerOffset: start + (offsets[0] ?? 0),
      suggestion: ((s) => (s ? `$${s}` : undefined))(suggest(name, known)),
    });
  }
}
