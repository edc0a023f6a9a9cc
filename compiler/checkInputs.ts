import * as z from 'zod';
import type { TaskSpec } from '../schemas/task';
import { isExpression, isTemplate } from './expressions';
import { isRecord } from './schemaDiagnostics';
import type { Reporter } from './reporter';
import { suggest } from './suggest';
import type { PathSegment } from './yamlSource';

/** Is there an expression at or above `rel` inside `value`? Then the run-time value is unknown here. */
function dynamicAt(value: unknown, rel: readonly PropertyKey[]): boolean {
  let v = value;
  if (isExpression(v) || isTemplate(v)) return true;
  for (const seg of rel) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isRecord(v) && typeof seg === 'string') v = v[seg];
    else return false;
    if (isExpression(v) || isTemplate(v)) return true;
  }
  return false;
}

/** Checks literal task inputs against the task's zod input schema; expressions are checked at run time. */
export function checkTaskInputs(spec: TaskSpec, inputs: unknown, path: PathSegment[], reporter: Reporter, what: string): void {
  if (inputs === undefined) inputs = {};
  // Not a map (a list, a number): the schema check already says so in the author's words.
  if (isExpression(inputs) || !isRecord(inputs)) return;
  const shape = spec.input instanceof z.ZodObject ? (spec.input.shape as Record<string, unknown>) : undefined;
  if (shape && isRecord(inputs)) {
    for (const key of Object.keys(inputs)) {
      if (key in shape) continue;
      reporter.error([...path, key], `${spec.name} has no input '${key}' (inputs: ${Object.keys(shape).join(', ')})`, {
        at: 'key',
        code: 'unknown-input',
        suggestion: suggest(key, Object.keys(shape)),
      });
    }
  }
  const result = (spec.literalInput ?? spec.input).safeParse(inputs);
  if (result.success) return;
  for (const issue of result.error.issues) {
    if (dynamicAt(inputs, issue.path)) continue;
    if (issue.code === 'unrecognized_keys') continue;
    const rel = issue.path as PathSegment[];
    const missing = issue.code === 'invalid_type' && valueMissing(inputs, rel);
    if (missing) {
      reporter.error(path.concat(rel.slice(0, -1)), `${what} needs input '${String(rel[rel.length - 1])}' (${spec.name})`, { code: 'task-input' });
    } else {
      reporter.error(path.concat(rel), `${spec.name} input: ${issue.message.replace(/^Invalid input: /, '')}`, { code: 'task-input' });
    }
  }
}

function valueMissing(root: unknown, rel: readonly PathSegment[]): boolean {
  let v = root;
  for (const seg of rel) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isRecord(v) && typeof seg === 'string') v = v[seg];
    else return true;
  }
  return v === undefined;
}
