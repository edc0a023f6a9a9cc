import { StatesError } from '../../schemas/errors';
import { isObject, parsePath, type ParsedPath, type Segment } from './jsonpath';

/**
 * ResultPath: `$` (or undefined) replaces the input with the result; null discards the result and
 * keeps the input; a reference path writes the result into a copy of the input, creating
 * intermediate objects. Writing through a non-object is States.ResultPathMatchFailure.
 */
export function applyResultPath(input: unknown, resultPath: string | null | undefined, result: unknown): unknown {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath === '$') return result;
  let parsed: ParsedPath;
  try {
    parsed = parsePath(resultPath);
  } catch (e) {
    throw new StatesError('States.Runtime', (e as Error).message);
  }
  if (!parsed.reference) throw resultPathFailure(input, resultPath);
  const out = setIn(input, parsed.segments, 0, result);
  if (out === FAILED) throw resultPathFailure(input, resultPath);
  return out;
}

const FAILED = Symbol('failed');

function resultPathFailure(input: unknown, resultPath: string): StatesError {
  return new StatesError('States.ResultPathMatchFailure', `Unable to apply ResultPath '${resultPath}' to input '${JSON.stringify(input) ?? 'null'}'`);
}

/** Copy-on-write set along a definite path; FAILED when it runs through a non-container. */
function setIn(cur: unknown, segs: Segment[], n: number, result: unknown): unknown {
  if (n === segs.length) return result;
  const seg = segs[n]!;
  if (seg.k === 'prop') {
    if (!isObject(cur)) return FAILED;
    const child = Object.prototype.hasOwnProperty.call(cur, seg.name) ? cur[seg.name] : {};
    const value = setIn(child, segs, n + 1, result);
    if (value === FAILED) return FAILED;
    // Object.assign + one write: V8 makes `{ ...cur, [k]: v }` far slower.
    const copy = Object.assign({}, cur);
    if (seg.name === '__proto__') Object.defineProperty(copy, seg.name, { value, enumerable: true, writable: true, configurable: true });
    else copy[seg.name] = value;
    return copy;
  }
  if (seg.k === 'index' && Array.isArray(cur)) {
    const i = seg.i < 0 ? cur.length + seg.i : seg.i;
    if (i < 0 || i >= cur.length) return FAILED;
    const value = setIn(cur[i], segs, n + 1, result);
    if (value === FAILED) return FAILED;
    const copy = cur.slice();
    copy[i] = value;
    return copy;
  }
  return FAILED;
}
