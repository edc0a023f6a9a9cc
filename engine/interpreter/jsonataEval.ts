import { createHash } from 'node:crypto';
import jsonata from 'jsonata';
import { JSONATA_MAX_DEPTH, JSONATA_MAX_SEQUENCE, JSONATA_TIMEOUT_MS, PACE_EVERY_EVALUATIONS } from './budgets';
import { compactJson, queryEvaluationFailure, StepAbort, type StateFailure } from './failures';
import { LinearRegExp } from './linearRegExp';
import { jsonTypeName } from './values';

/** The `$states` binding of a JSONata state. */
export interface StatesBinding {
  input: unknown;
  context: unknown;
  result?: unknown;
  errorOutput?: unknown;
}

export interface JsonataEnv {
  now: number;
  random(): number;
  /** StepEnvironment.pace: offered every few hundred evaluation steps (a turn of the event loop, or a StepAbort). */
  pace?: () => Promise<void> | undefined;
}

const compiled = new Map<string, jsonata.Expression>();

/** Longest string an evaluation step may produce: far above the 256 KiB state payload, far below a heap. */
const MAX_STRING_LENGTH = 4 * 1024 * 1024;
/** The binding that carries `pace`: a space makes it unreadable from any expression. */
const PACE_BINDING = 'clinflow pace';
let evaluationSteps = 0;

/**
 * jsonata's `__evaluate_exit` hook (as its own test suite timeboxes expressions): runs after every
 * evaluation step, so a loop inside one expression still gives the event loop turns, and no step
 * builds a string or array that only a runaway would need.
 */
function afterEvaluationStep(_expr: unknown, _input: unknown, environment: { lookup(name: string): unknown }, result: unknown): Promise<void> | undefined {
  if (typeof result === 'string' ? result.length > MAX_STRING_LENGTH : Array.isArray(result) && result.length > JSONATA_MAX_SEQUENCE) {
    // jsonata's error shape: a `code` beside the message (U1001: jsonata's own code for a timeboxed expression).
    throw Object.assign(new Error(typeof result === 'string' ? `A string longer than ${MAX_STRING_LENGTH} characters was built` : `A sequence longer than ${JSONATA_MAX_SEQUENCE} items was built`), {
      code: 'U1001',
    });
  }
  if (++evaluationSteps < PACE_EVERY_EVALUATIONS) return undefined;
  evaluationSteps = 0;
  const pace = environment.lookup(PACE_BINDING) as (() => Promise<void> | undefined) | undefined;
  return pace?.();
}

/** The StepAbort behind a jsonata error ($eval wraps the errors of the expression it evaluates). */
function abortIn(e: unknown): StepAbort | undefined {
  for (let cur = e, i = 0; cur && typeof cur === 'object' && i < 10; cur = (cur as { error?: unknown }).error, i++) {
    if (cur instanceof StepAbort) return cur;
  }
  return undefined;
}

export function isJsonataExpression(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('{%') && value.endsWith('%}');
}

function compile(text: string): jsonata.Expression {
  let e = compiled.get(text);
  if (!e) {
    // Bounded evaluation: wall time, depth (non-tail recursion), sequence length (ranges: `[1..1e7]`
    // is refused before it is allocated), and regular expressions that match in linear time.
    e = jsonata(text, { timeout: JSONATA_TIMEOUT_MS, stack: JSONATA_MAX_DEPTH, sequence: JSONATA_MAX_SEQUENCE, RegexEngine: LinearRegExp as unknown as RegExpConstructor });
    e.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, afterEvaluationStep);
    if (compiled.size > 5000) compiled.clear();
    compiled.set(text, e);
  }
  return e;
}

/** jsonata 2 evaluates `$sum` or `function($x){…}` to a tagged object (or a plain JS function). */
function isJsonataFunction(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (value === null || typeof value !== 'object') return false;
  const v = value as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return v._jsonata_function === true || v._jsonata_lambda === true;
}

/** JSONata returns sequences flagged on arrays and may hold functions; AWS sees plain JSON. */
function toJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  return JSON.parse(JSON.stringify(value));
}

function uuidFrom(random: () => number): string {
  const b: number[] = [];
  for (let i = 0; i < 16; i++) b.push(Math.floor(random() * 256) & 0xff);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A small deterministic PRNG for `$random(seed)` (AWS's generator is not specified). */
function seeded(seed: number): number {
  let t = (Math.floor(seed) + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const hashAlgorithms: Record<string, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** The Step Functions additions to JSONata, plus clock/random functions bound to the injected env. */
function awsFunctions(env: JsonataEnv): Record<string, unknown> {
  return {
    partition: (arr: unknown, size: unknown) => {
      if (!Array.isArray(arr)) throw new Error('The $partition function requires an array');
      const n = Number(size);
      if (!Number.isInteger(n) || n <= 0) throw new Error('The $partition function requires a positive integer size');
      const out: unknown[][] = [];
      for (let i = 0; i < arr.length; i += n) out.push(arr.slice(i, i + n));
      return out;
    },
    range: (start: unknown, end: unknown, stepArg: unknown) => {
      const s = Number(start);
      const e = Number(end);
      const st = stepArg === undefined ? 1 : Number(stepArg);
      if (![s, e, st].every(Number.isFinite) || st === 0) throw new Error('The $range function requires numeric arguments');
      const out: number[] = [];
      for (let v = s; st > 0 ? v <= e : v >= e; v += st) {
        out.push(v);
        if (out.length > 1000) throw new Error('The $range function cannot generate more than 1000 items');
      }
      // AWS returns a JSONata sequence: a single value is not wrapped in an array.
      return out.length === 1 ? out[0] : out;
    },
    hash: (data: unknown, algorithm: unknown) => {
      const algo = hashAlgorithms[String(algorithm)];
      if (!algo) throw new Error(`The hash algorithm ${String(algorithm)} is not supported`);
      return createHash(algo)
        .update(typeof data === 'string' ? data : JSON.stringify(data))
        .digest('hex');
    },
    random: (seed?: unknown) => (seed === undefined ? env.random() : seeded(Number(seed))),
    uuid: () => uuidFrom(() => env.random()),
    parse: (text: unknown) => {
      if (typeof text !== 'string') return text;
      return JSON.parse(text);
    },
    // Step Functions' JSONata has no $eval (schemas/jsonataFunctions.ts); the library's must not leak through.
    eval: () => {
      throw new Error('The $eval function is not supported by AWS Step Functions; use $parse');
    },
    now: () => new Date(env.now).toISOString(),
    millis: () => env.now,
  };
}

/**
 * JSONata quotes the offending value in some messages (`Unable to cast value to a number:
 * "<value>"`); the value is workflow data (PHI), and the message becomes the execution's error
 * cause, which `clinflow run` prints and logs may carry. The value is replaced, the rest kept.
 */
export function redactEchoedValue(message: string, value: unknown): string {
  if (value === undefined) return message;
  let out = message;
  const json = JSON.stringify(value);
  if (json !== undefined) out = out.split(json).join('<value redacted>');
  if (typeof value === 'string' && value.length >= 4) out = out.split(value).join('<value redacted>');
  return out;
}

/**
 * Evaluates one `{% … %}` string. `field` names the ASL field for AWS's error wording
 * (`Output/result`, `Arguments`, `Items`, …).
 */
export async function evaluateJsonata(text: string, states: StatesBinding, variables: Record<string, unknown>, field: string, env: JsonataEnv): Promise<unknown> {
  const body = text.slice(2, -2).trim();
  let result: unknown;
  try {
    const bindings: Record<string, unknown> = { ...awsFunctions(env), ...variables, states };
    if (env.pace) bindings[PACE_BINDING] = env.pace;
    result = await compile(body).evaluate(states.input ?? null, bindings);
  } catch (e) {
    const abort = abortIn(e);
    if (abort) throw abort;
    const err = e as { code?: string; message?: string; value?: unknown };
    const message = redactEchoedValue(String(err.message ?? e), err.value);
    const detail = err.code ? `${err.code}: ${message}` : message;
    throw queryEvaluationFailure(`The JSONata expression '${body}' specified for the field '${field}' threw an error during evaluation. ${detail}`);
  }
  // A function (a built-in like `$sum`, or a lambda) is not a JSON value: AWS treats it as no value at all.
  if (result === undefined || isJsonataFunction(result)) {
    throw queryEvaluationFailure(`The JSONata expression '${body}' specified for the field '${field}' returned nothing (undefined).`);
  }
  return toJson(result);
}

/** AWS's cause when a `{% %}` field evaluates to a value of a type the field cannot take. */
export function unexpectedResultType(expression: unknown, field: string, expected: string, value: unknown): StateFailure {
  const body = String(expression).slice(2, -2).trim();
  return queryEvaluationFailure(
    `The JSONata expression '${body}' specified for the field '${field}' returned an unexpected result type. Expected '${expected}', but was '${jsonTypeName(value)}' for value: ${compactJson(value)}`,
  );
}

/**
 * A numeric field given as `{% %}` (TimeoutSeconds, MaxConcurrency, …): the value must be an integer
 * (at least `min`); a literal was already checked with the definition.
 */
export async function jsonataInteger(value: unknown, field: string, min: number, evaluate: () => Promise<unknown>): Promise<unknown> {
  if (!isJsonataExpression(value)) return value;
  const v = await evaluate();
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw unexpectedResultType(value, field, 'integer', v);
  return v;
}

/** Evaluates a JSONata-mode template (Arguments, Output, Assign): strings `{% %}` anywhere inside objects and arrays. */
export async function evaluateJsonataTemplate(template: unknown, states: StatesBinding, variables: Record<string, unknown>, field: string, env: JsonataEnv): Promise<unknown> {
  if (isJsonataExpression(template)) return evaluateJsonata(template, states, variables, field, env);
  if (Array.isArray(template)) {
    const out: unknown[] = [];
    for (let i = 0; i < template.length; i++) out.push(await evaluateJsonataTemplate(template[i], states, variables, `${field}[${i}]`, env));
    return out;
  }
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = await evaluateJsonataTemplate(v, states, variables, `${field}/${k}`, env);
    return out;
  }
  return template;
}
