import { PathNotFoundError, PathSyntaxError, readPath } from './jsonpath';
import type { Scope } from './scope';

/**
 * Resolve a JSONPath-mode path against a scope: `$…` reads the input, `$$…` the context object,
 * `$name…` the variable `name`.
 */
export function resolvePath(path: string, scope: Scope): unknown {
  const c = path.charCodeAt(1);
  // '.', '[' or end of string: the input.
  if (c === 46 || c === 91 || path.length === 1) return readPath(scope.input, path);
  if (c === 36) return readPath(scope.context, path.slice(1));
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(path);
  if (!m) throw new PathSyntaxError(path, `Invalid JSONPath '${path}'`);
  const name = m[1]!;
  if (!Object.prototype.hasOwnProperty.call(scope.variables, name)) {
    throw new PathNotFoundError(path, `Variable '${name}' is not defined`, 'undefined-variable');
  }
  return readPath(scope.variables[name], '$' + path.slice(m[0].length));
}
