import { FHIR_R4_RESOURCE_TYPES } from '../schemas/fhirResourceTypes';
import { isRecord } from './isRecord';
import { suggest } from './suggest';
import type { PathSegment } from './yamlSource';

/**
 * Plain-words diagnostics for a value of the wrong shape, with the rewrite that fixes it where one
 * is clear: a single value where a list goes (`on: create` → `on: [create]`), a map where a list
 * goes (a missing `- `), a list where a map goes (a `- ` too many), the short form of a map
 * (`fail: Oops` → `fail: { error: Oops }`), quoted numbers and booleans, durations without a unit
 * or in words. zod's type names (record, array, object) are not the author's words.
 */
export interface ShapeHint {
  message: string;
  suggestion?: string;
}

const WORDS: Readonly<Record<string, string>> = {
  array: 'a list',
  tuple: 'a list',
  object: 'a map (key: value lines)',
  record: 'a map (key: value lines)',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  null: 'nothing',
  undefined: 'nothing',
};

/** What a YAML value is, in the author's words. */
export function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a map';
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return typeof value;
}

/** A scalar as it would be written in a YAML flow collection. */
function flow(v: unknown): string {
  if (typeof v !== 'string') return JSON.stringify(v) ?? String(v);
  return /^[A-Za-z_$./][\w$./ -]*$/.test(v) && !/^(true|false|null|yes|no|on|off)$/i.test(v) && !v.endsWith(' ') ? v : JSON.stringify(v);
}

/** The key a value sits under (`on` for `trigger.fhir.on`), or undefined for a list item. */
function keyOf(path: readonly PathSegment[]): string | undefined {
  const last = path[path.length - 1];
  return typeof last === 'string' ? last : undefined;
}

/** How `key: <scalar>` is written as the map it abbreviates, for the keys whose map has one obvious field. */
const SHORT_FORMS: Readonly<Record<string, (v: string) => string>> = {
  fail: (v) => `{ error: ${v} }`,
  catch: (v) => `{ next: ${v} }`,
  retry: (v) => `{ attempts: ${v} }`,
  await: (v) => `{ description: ${v} }`,
  succeed: (v) => `{ output: ${v} }`,
};

/** A value that should have been one of `expected` (zod type names), in plain words, with the rewrite when one is clear. */
export function typeHint(value: unknown, expected: readonly string[], path: readonly PathSegment[]): ShapeHint {
  const key = keyOf(path);
  const wants = new Set(expected.map((e) => (e === 'record' ? 'object' : e === 'int' ? 'number' : e)));
  const words = [...new Set([...wants].map((e) => WORDS[e] ?? e))].join(' or ');
  const is = shapeOf(value);
  const base = `expected ${words}, not ${is}`;
  const lead = key === undefined ? '' : `${key}: `;
  // The short form of a map with one obvious field.
  const short = key === undefined ? undefined : SHORT_FORMS[key];
  if (wants.has('object') && short && value !== null && typeof value !== 'object') {
    const written = short(flow(value));
    return { message: `expected a map, not ${is}`, suggestion: `${key}: ${written}` };
  }
  // A single value where a list of single values goes: wrap it.
  if (wants.has('array') && !wants.has('string') && !wants.has('object') && value !== null && typeof value !== 'object') {
    return { message: 'expected a list, not a single value', suggestion: `${lead}[${flow(value)}]` };
  }
  // A map where a list goes: the `- ` that starts each item is missing.
  if (wants.has('array') && !wants.has('object') && isRecord(value)) {
    const first = Object.keys(value)[0];
    const stepLike = 'id' in value;
    return stepLike
      ? { message: `expected a list of steps, not a single step: start each step with \`- \` (\`- id: ${flow(value.id)}\`)`, suggestion: `- id: ${flow(value.id)}` }
      : { message: `expected a list, not a map: start each item with \`- \`${first === undefined ? '' : ` (\`- ${first}: …\`)`}` };
  }
  // A list where a map goes: a `- ` too many.
  if (wants.has('object') && !wants.has('array') && Array.isArray(value)) {
    const merged = value.every((x) => isRecord(x));
    return { message: `expected a map, not a list: ${merged ? 'remove the `- ` before each key' : 'write key: value lines'}` };
  }
  // Quoted numbers and booleans.
  if (typeof value === 'string' && wants.has('number') && /^-?\d+(\.\d+)?$/.test(value.trim())) {
    return { message: 'expected a number, not text in quotes', suggestion: `${lead}${value.trim()}` };
  }
  if (typeof value === 'string' && wants.has('boolean') && /^(true|false)$/i.test(value.trim())) {
    return { message: 'expected true or false, not text in quotes', suggestion: `${lead}${value.trim().toLowerCase()}` };
  }
  if (wants.has('string') && Array.isArray(value) && value.length > 1 && key === 'where') {
    return { message: 'expected one condition, not a list: join the conditions with `and`', suggestion: `where: "${value.map(String).join(' and ')}"` };
  }
  return { message: base };
}

/** A literal (`version: 1`, `end: true`) given another value. */
export function literalHint(value: unknown, values: readonly unknown[], path: readonly PathSegment[]): ShapeHint {
  const key = keyOf(path);
  const lead = key === undefined ? '' : `${key}: `;
  const want = values.map((v) => JSON.stringify(v)).join(' or ');
  if (values.length === 1 && typeof value === 'string' && String(values[0]) === value.trim()) {
    return { message: `expected ${want}, not text in quotes`, suggestion: `${lead}${String(values[0])}` };
  }
  if (values.length === 1 && values[0] === true && value === false && key === 'end') {
    return { message: 'end takes only true: to go on to the next step, leave end out' };
  }
  if (values.length === 1 && values[0] === true && typeof value === 'string' && /^(yes|y|on)$/i.test(value)) {
    return { message: `expected true, not the text "${value}"`, suggestion: `${lead}true` };
  }
  const options = values.filter((v): v is string => typeof v === 'string');
  const close = typeof value === 'string' && options.length ? suggest(value, options) : undefined;
  return { message: `expected ${want}`, ...(close !== undefined ? { suggestion: close } : {}) };
}

const UNITS: readonly [RegExp, string, number][] = [
  [/^(s|secs?|seconds?)$/i, 's', 1],
  [/^(m|mins?|minutes?)$/i, 'm', 1],
  [/^(h|hrs?|hours?)$/i, 'h', 1],
  [/^(d|days?)$/i, 'd', 1],
  [/^(w|wks?|weeks?)$/i, 'd', 7],
];

/** A duration written without a unit, in words (`2 hours`, `10min`), or in lower-case ISO 8601: the short form that works. */
export function durationHint(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return `${v}s`;
  if (/^p(t?\d+[a-z])+$/i.test(v) && v !== v.toUpperCase()) return v.toUpperCase();
  const parts = [...v.matchAll(/(\d+)\s*([a-z]+)/gi)];
  if (
    !parts.length ||
    parts
      .map((m) => m[0])
      .join('')
      .replace(/\s|and|,/gi, '') !== v.replace(/\s|and|,/gi, '')
  )
    return undefined;
  let out = '';
  for (const m of parts) {
    const unit = UNITS.find(([re]) => re.test(m[2] ?? ''));
    if (!unit) return undefined;
    out += `${Number(m[1]) * unit[2]}${unit[1]}`;
  }
  return out;
}

/** `observation` → `Observation`: a resource type in the wrong case or misspelt. */
export function resourceTypeHint(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  for (const t of FHIR_R4_RESOURCE_TYPES) if (t.toLowerCase() === value.toLowerCase()) return t;
  return suggest(value, FHIR_R4_RESOURCE_TYPES);
}
