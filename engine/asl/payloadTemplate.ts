/**
 * Payload templates (Parameters, ResultSelector, ItemSelector, Map Parameters): keys ending in
 * `.$` take a path (`$.…`, `$$.…`, `$var.…`) or an intrinsic call; everything else is copied,
 * recursing into objects and arrays.
 */
import { StatesError } from '../../schemas/errors';
import { evaluateIntrinsic, isIntrinsicCall } from './intrinsics';
import { PathNotFoundError, resolvePath } from './jsonpath';
import type { AslEnv, Scope } from './scope';

export function applyPayloadTemplate(template: unknown, scope: Scope, env: AslEnv): unknown {
  if (Array.isArray(template)) return template.map((t) => applyPayloadTemplate(t, scope, env));
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    const v = key.endsWith('.$') ? evaluateDollarValue(key, value, scope, env) : applyPayloadTemplate(value, scope, env);
    setOwn(out, key.endsWith('.$') ? key.slice(0, -2) : key, v);
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
    if (e instanceof PathNotFoundError) {
      throw new StatesError(
        'States.Runtime',
        `The JSONPath '${expr}' specified for the field '${field}' could not be found in the input '${JSON.stringify(scope.input) ?? 'null'}'`,
      );
    }
    throw new StatesError('States.Runtime', `The value for the field '${field}' must be a valid JSONPath or an intrinsic function call: ${(e as Error).message}`);
  }
}
