import type * as z from 'zod';
import { Catch, FhirTrigger, Retry, ScheduleTrigger, STEP_KEYS, STEP_KINDS, TRIGGER_KINDS, WORKFLOW_KEYS, WorkflowSchema, type StepKind, type Workflow } from '../schemas/workflow';
import type { Reporter } from './reporter';
import { isRecord } from './isRecord';
import { durationHint, literalHint, resourceTypeHint, typeHint } from './shapeHints';
import { suggest } from './suggest';
import type { PathSegment } from './yamlSource';

type Issue = z.core.$ZodIssue;

const STEP_LIST_KEYS = new Set(['steps', 'do', 'then', 'else', 'otherwise']);
const ALL_STEP_KEYS = [...new Set(Object.values(STEP_KEYS).flat())];

export { isRecord };

/** The action key of a step object (`call`, `if`, …), or undefined when it has none. */
export function stepKind(v: unknown): StepKind | undefined {
  if (!isRecord(v)) return undefined;
  return STEP_KINDS.find((k) => k in v);
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v = root;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isRecord(v) && typeof seg === 'string') v = v[seg];
    else return undefined;
  }
  return v;
}

function isStepPath(path: readonly PathSegment[]): boolean {
  const last = path[path.length - 1];
  const prev = path[path.length - 2];
  return typeof last === 'number' && typeof prev === 'string' && STEP_LIST_KEYS.has(prev);
}

/** Keys allowed in the object at `path`, for "did you mean" on unknown keys. */
function knownKeys(root: unknown, path: readonly PathSegment[]): readonly string[] {
  if (path.length === 0) return WORKFLOW_KEYS;
  const last = path[path.length - 1];
  const prev = path[path.length - 2];
  const value = valueAt(root, path);
  if (isStepPath(path)) {
    const kind = stepKind(value);
    return kind ? STEP_KEYS[kind] : ALL_STEP_KEYS;
  }
  const name = typeof last === 'number' ? prev : last;
  switch (name) {
    case 'retry':
      return Object.keys(Retry.shape);
    case 'catch':
      return Object.keys(Catch.shape);
    case 'trigger':
      return TRIGGER_KINDS;
    case 'fhir':
      return Object.keys(FhirTrigger.shape.fhir.shape);
    case 'schedule':
      return Object.keys(ScheduleTrigger.shape.schedule.shape);
    case 'wait':
      return ['for', 'until'];
    case 'choose':
      return ['when', 'then'];
    case 'parallel':
      return ['name', 'steps'];
    case 'succeed':
      return ['output'];
    case 'fail':
      return ['error', 'cause'];
    default:
      return [];
  }
}

function cleanMessage(message: string): string {
  return message.replace(/^Invalid input: /, '');
}

/** Checks the workflow against the zod schema and reports every issue at its YAML position; the parsed workflow when it holds. */
export function checkSchema(root: unknown, reporter: Reporter): Workflow | undefined {
  if (!isRecord(root)) {
    reporter.error([], 'a workflow file must be a YAML mapping with workflow, version, trigger and steps', { code: 'schema' });
    return undefined;
  }
  const result = WorkflowSchema.safeParse(root);
  if (result.success) return result.data;
  mapIssues(result.error.issues, [], root, reporter);
  return undefined;
}

function mapIssues(issues: readonly Issue[], base: readonly PathSegment[], root: unknown, reporter: Reporter): void {
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathSegment[])];
    const key = path[path.length - 1];
    const parentPath = path.slice(0, -1);
    if (issue.code !== 'unrecognized_keys' && typeof key === 'string' && valueAt(root, path) === undefined && isRecord(valueAt(root, parentPath))) {
      reporter.error(parentPath, `missing required key '${key}'`, { code: 'schema' });
      continue;
    }
    switch (issue.code) {
      case 'invalid_union':
        mapUnion(issue, path, root, reporter);
        break;
      case 'unrecognized_keys': {
        const known = knownKeys(root, path);
        for (const key of issue.keys) {
          const hint = suggest(key, known);
          reporter.error([...path, key], `unknown key '${key}'`, { at: 'key', suggestion: hint, code: 'unknown-key' });
        }
        break;
      }
      case 'invalid_format': {
        // Our regex messages name what is expected ("a duration such as PT2H"); zod's own start with "Invalid".
        const message = /^Invalid/.test(issue.message) ? issue.message : `expected ${issue.message}`;
        const value = valueAt(root, path);
        if (/a duration such as/.test(issue.message)) {
          const fix = durationHint(value);
          const unitless = typeof value === 'string' && /^\d+$/.test(value.trim());
          reporter.error(path, unitless ? `a duration needs a unit: ${value.trim()}s, ${value.trim()}m, ${value.trim()}h or ${value.trim()}d (or a number without quotes, for seconds)` : message, {
            code: 'schema',
            suggestion: fix,
          });
        } else if (/FHIR resource type/.test(issue.message)) {
          reporter.error(path, message, { code: 'schema', suggestion: resourceTypeHint(value) });
        } else reporter.error(path, message, { code: 'schema' });
        break;
      }
      case 'invalid_type': {
        const hint = typeHint(valueAt(root, path), [issue.expected], path);
        reporter.error(path, hint.message, { code: 'schema', suggestion: hint.suggestion });
        break;
      }
      case 'invalid_value': {
        const hint = literalHint(valueAt(root, path), issue.values, path);
        reporter.error(path, hint.message, { code: 'schema', suggestion: hint.suggestion });
        break;
      }
      default:
        reporter.error(path, cleanMessage(issue.message), { code: 'schema' });
    }
  }
}

function mapUnion(issue: Extract<Issue, { code: 'invalid_union' }>, path: PathSegment[], root: unknown, reporter: Reporter): void {
  const value = valueAt(root, path);
  const options = issue.errors;
  if (isStepPath(path) && isRecord(value)) {
    const kind = stepKind(value);
    if (kind) {
      mapIssues(options[STEP_KINDS.indexOf(kind)] ?? [], path, root, reporter);
      return;
    }
    reportMissingAction(value, path, reporter, STEP_KINDS, ALL_STEP_KEYS, 'a step needs one action');
    return;
  }
  if (path.length === 1 && path[0] === 'trigger' && isRecord(value)) {
    const kinds = TRIGGER_KINDS.filter((k) => k in value);
    if (kinds.length > 1) {
      reporter.error(path, `a workflow has one trigger: ${kinds.join(' or ')}, not both`, { code: 'schema' });
      return;
    }
    const kind = kinds[0];
    if (kind) {
      mapIssues(options[TRIGGER_KINDS.indexOf(kind)] ?? [], path, root, reporter);
      return;
    }
    reportMissingAction(value, path, reporter, TRIGGER_KINDS, TRIGGER_KINDS, 'a trigger needs one kind');
    return;
  }
  // Other unions (durations, step-id-or-list, object-or-list): pick the first option whose type fits.
  const fits = options.filter((errs) => !errs.some((e) => e.path.length === 0 && e.code === 'invalid_type'));
  const best = fits[0];
  if (best && fits.length === 1) {
    mapIssues(best, path, root, reporter);
    return;
  }
  if (best) {
    // Several shapes fit the type (e.g. two string formats): report the deepest, most specific one.
    const chosen = [...fits].sort((a, b) => depth(b) - depth(a))[0] ?? best;
    mapIssues(chosen, path, root, reporter);
    return;
  }
  const expected = [...new Set(options.flatMap((errs) => errs.filter((e) => e.code === 'invalid_type').map((e) => (e as { expected?: string }).expected ?? '?')))];
  const last = path[path.length - 1];
  if ((last === 'then' || last === 'else' || last === 'otherwise') && isRecord(value) && 'id' in value) {
    // A branch given one step as a map: it needs the list's `- `.
    const hint = typeHint(value, ['array'], path);
    reporter.error(path, `expected a step id or a list of steps; ${hint.message.replace(/^expected a list of steps, not a single step: /, 'not a single step: ')}`, {
      code: 'schema',
      suggestion: hint.suggestion,
    });
    return;
  }
  if (last === 'then' || last === 'else' || last === 'otherwise') {
    reporter.error(path, 'expected a step id or a list of steps', { code: 'schema' });
    return;
  }
  const hint = typeHint(value, expected, path);
  reporter.error(path, hint.message, { code: 'schema', suggestion: hint.suggestion });
}

function depth(errs: readonly Issue[]): number {
  return Math.max(0, ...errs.map((e) => e.path.length));
}

function reportMissingAction(value: Record<string, unknown>, path: PathSegment[], reporter: Reporter, kinds: readonly string[], allowed: readonly string[], what: string): void {
  let explained = false;
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const hint = suggest(key, kinds) ?? suggest(key, allowed);
    reporter.error([...path, key], `unknown key '${key}'`, { at: 'key', suggestion: hint, code: 'unknown-key' });
    if (hint && kinds.includes(hint)) explained = true;
  }
  if (!explained) reporter.error(path, `${what}: one of ${kinds.join(', ')}`, { code: 'schema' });
}
