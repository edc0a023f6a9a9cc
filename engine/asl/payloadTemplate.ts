/**
 * Payload templates (Parameters, ResultSelector, ItemSelector, Map Parameters): keys ending in
 * `.$` take a path (`$.…`, `$$.…`, `$var.…`) or an intrinsic call; everything else is copied,
 * recursing into objects and arrays.
 */
import { StatesError } from '../../schemas/errors';
import { evaluateIntrinsic, isIntrinsicCall } from './intrinsics';
import { PathNotFoundError } from './jsonpath';
import { resolvePath } from './resolvePath';
import type { AslEnv, Scope } from './scope';

interface CompiledEntry {
  /** Output key (`.$` stripped), computed once so V8 sees the same string every time. */
  key: string;
  /** The template key as written, for error messages. */
  field: string;
  dynamic: boolean;
  value: unknown;
}

/** Templates come from the (immutable) definition, so their key analysis is cached per object. */
const compiled = new WeakMap<object, CompiledEntry[]>();

function compile(template: Record<string, unknown>): CompiledEntry[] {
  let entries = compiled.get(template);
  if (!entries) {
    entries = Object.keys(template).map((field) => {
      const dynamic = field.endsWith('.$');
      return { key: dynamic ? field.slice(0, -2) : field, field, dynamic, value: template[field] };
    });
    compiled.set(template, entries);
  }
  return entries;
}

export function applyPayloadTemplate(template: unknown, scope: Scope, env: AslEnv): unknown {
  if (typeof template !== 'object' || template === null) return template;
  if (Array.isArray(template)) return template.map((t) => applyPayloadTemplate(t, scope, env));
  const out: Record<string, unknown> = {};
  for (const e of compile(template as Record<string, unknown>)) {
    const v = e.dynamic ? evaluateDollarValue(e.field, e.value, scope, env) : applyPayloadTemplate(e.value, scope, env);
    setOwn(out, e.key, v);
  }
  return out;
}

/** Assign as an own data property, so a `__proto__` key stays data instead of changing the prototype. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/** Evaluate the value of one `.$` field: an intrinsic call or a path. */
export function evaluateDollarValue(field: string, expr: unknown, scope: Scope, env: AslEnv): unknown {
  if (typeof expr !== 'string') {
    throw new StatesError('States.Runtime', `The value for the field '${field}' must be a valid JSONPath or an intrinsic function call`);
  }
  if (isIntrinsicCall(expr)) return evaluateIntrinsic(expr, scope, env);
  try {
    return resolvePath(expr, scope);
  } catch (e) {
    // AWS resolves a plain reference past the end of an array (`$.items[5]`) to null.
    if (e instanceof PathNotFoundError && e.reason === 'index-out-of-range-leaf') return null;
    if (e instanceof PathNotFoundError) {
      throw new StatesError('States.Runtime', `The JSONPath '${expr}' specified for the field '${field}' could not be found in the input '${JSON.stringify(scope.input) ?? 'null'}'`);
    }
    throw new StatesError('States.Runtime', `The value for the field '${field}' must be a valid JSONPath or an intrinsic function call: ${(e as Error).message}`);
  }
}
