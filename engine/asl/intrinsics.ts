/**
 * Intrinsic functions (`States.Format(...)` and friends) for JSONPath-mode payload templates:
 * a parser for the call syntax and every function with Step Functions' semantics. AWS reports
 * intrinsic failures as States.Runtime (States.IntrinsicFailure is reserved), so we do too.
 *
 * Size: the parser for the call syntax and every intrinsic function of Step Functions, each a few
 * lines; one table of one specification.
 */
import { createHash } from 'node:crypto';
import { StatesError } from '../../schemas/errors';
import { PathNotFoundError, isValidPath } from './jsonpath';
import { resolvePath } from './resolvePath';
import type { AslEnv, Scope } from './scope';

export type IntrinsicArg =
  | { t: 'call'; name: string; args: IntrinsicArg[]; text: string }
  | { t: 'path'; path: string }
  /** `raw` keeps the escapes so States.Format can tell `\{` from a placeholder. */
  | { t: 'string'; value: string; raw: string }
  | { t: 'literal'; value: number | boolean | null };

export class IntrinsicSyntaxError extends Error {
  constructor(
    readonly expr: string,
    message: string,
  ) {
    super(message);
    this.name = 'IntrinsicSyntaxError';
  }
}

/** Arity bounds [min, max] of each function; max -1 = variadic. */
export const INTRINSIC_ARITY: Readonly<Record<string, readonly [number, number]>> = {
  'States.Format': [1, -1],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, -1],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

/** True when a `.$` value is an intrinsic call rather than a path. */
export function isIntrinsicCall(expr: string): boolean {
  return /^\s*States\.[A-Za-z0-9]+\s*\(/.test(expr);
}

const parseCache = new Map<string, IntrinsicArg>();

/** Parse an intrinsic call; throws IntrinsicSyntaxError naming the problem. */
export function parseIntrinsic(expr: string): IntrinsicArg {
  const hit = parseCache.get(expr);
  if (hit) return hit;
  const p = new IntrinsicParser(expr);
  const node = p.parseTop();
  if (parseCache.size > 10_000) parseCache.clear();
  parseCache.set(expr, node);
  return node;
}

class IntrinsicParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  private fail(msg: string): never {
    throw new IntrinsicSyntaxError(this.src, `Invalid intrinsic function '${this.src}': ${msg} at position ${this.pos}`);
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  parseTop(): IntrinsicArg {
    this.ws();
    const node = this.call(0);
    this.ws();
    if (this.pos !== this.src.length) this.fail('unexpected trailing text');
    return node;
  }

  private call(depth: number): IntrinsicArg {
    if (depth >= 10) this.fail('intrinsic functions nest at most 10 deep');
    const start = this.pos;
    const m = /^States\.[A-Za-z0-9]+/.exec(this.src.slice(this.pos));
    if (!m) this.fail('expected a States.* function');
    const name = m[0];
    this.pos += name.length;
    const arity = INTRINSIC_ARITY[name];
    if (!arity) this.fail(`unknown function ${name}`);
    this.ws();
    if (this.src[this.pos] !== '(') this.fail("expected '('");
    this.pos++;
    const args: IntrinsicArg[] = [];
    this.ws();
    if (this.src[this.pos] === ')') this.pos++;
    else {
      for (;;) {
        args.push(this.arg(depth));
        this.ws();
        const c = this.src[this.pos];
        this.pos++;
        if (c === ')') break;
        if (c !== ',') this.fail("expected ',' or ')'");
        this.ws();
      }
    }
    const [min, max] = arity;
    if (args.length < min || (max >= 0 && args.length > max)) {
      this.fail(`${name} takes ${min === max ? min : max < 0 ? `at least ${min}` : `${min} to ${max}`} argument(s), got ${args.length}`);
    }
    return { t: 'call', name, args, text: this.src.slice(start, this.pos) };
  }

  private arg(depth: number): IntrinsicArg {
    const s = this.src;
    const c = s[this.pos];
    if (c === "'") return this.string();
    if (c === '$') return this.path();
    if (s.startsWith('States.', this.pos)) return this.call(depth + 1);
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)(?=\s*[,)])/.exec(s.slice(this.pos));
    if (!m) this.fail('expected an argument');
    this.pos += m[0].length;
    return { t: 'literal', value: JSON.parse(m[0]) as number | boolean | null };
  }

  private string(): IntrinsicArg {
    const s = this.src;
    const start = ++this.pos;
    let value = '';
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string literal');
      const c = s[this.pos]!;
      if (c === '\\') {
        const n = s[this.pos + 1];
        if (n === undefined || !"'{}\\".includes(n)) this.fail(`invalid escape '\\${n ?? ''}'`);
        value += n;
        this.pos += 2;
        continue;
      }
      if (c === "'") {
        const raw = s.slice(start, this.pos);
        this.pos++;
        return { t: 'string', value, raw };
      }
      value += c;
      this.pos++;
    }
  }

  /** A path runs to the next top-level ',' or ')', honouring brackets and quotes inside it. */
  private path(): IntrinsicArg {
    const s = this.src;
    const start = this.pos;
    let depth = 0;
    let quote: string | undefined;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (quote) {
        if (c === '\\') this.pos++;
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '[' || c === '(') depth++;
      else if (c === ']' || c === ')') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
      this.pos++;
    }
    const path = s.slice(start, this.pos).trim();
    if (!isPathSyntax(path)) this.fail(`invalid path '${path}'`);
    return { t: 'path', path };
  }
}

function isPathSyntax(path: string): boolean {
  if (path.startsWith('$$')) return isValidPath(path.slice(1));
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(path);
  if (m) return isValidPath('$' + path.slice(m[0].length));
  return isValidPath(path);
}

/** Internal: a failure inside an intrinsic, wrapped with the whole expression by evaluateIntrinsic. */
class IntrinsicFailure extends Error {}

/** Evaluate an intrinsic call (`States.X(...)`) against a scope. */
export function evaluateIntrinsic(expr: string, scope: Scope, env: AslEnv): unknown {
  let node: IntrinsicArg;
  try {
    node = parseIntrinsic(expr);
  } catch (e) {
    throw new StatesError('States.Runtime', (e as Error).message);
  }
  try {
    return evalNode(node, scope, env);
  } catch (e) {
    // AWS names the whole expression as written, whichever nested call failed.
    if (e instanceof IntrinsicFailure) {
      throw new StatesError('States.Runtime', `The function '${expr}' had the following error: ${e.message}`);
    }
    throw e;
  }
}

function evalNode(node: IntrinsicArg, scope: Scope, env: AslEnv): unknown {
  switch (node.t) {
    case 'literal':
      return node.value;
    case 'string':
      return node.value;
    case 'path':
      try {
        return resolvePath(node.path, scope);
      } catch (e) {
        if (e instanceof PathNotFoundError) {
          // Indexing a non-array leaks Jayway's own text on AWS; otherwise AWS names the argument
          // (a `$$.` one rewritten against the context object) and the state input.
          if (e.reason === 'not-array') throw new IntrinsicFailure(e.message);
          const shown = node.path.startsWith('$$') ? node.path.slice(1) : node.path;
          throw new IntrinsicFailure(`The JsonPath argument for the field '${shown}' could not be found in the input '${JSON.stringify(scope.input) ?? 'null'}'`);
        }
        throw e;
      }
    case 'call': {
      const args = node.args.map((a) => evalNode(a, scope, env));
      return FUNCTIONS[node.name]!(args, node, env);
    }
  }
}

type Fn = (args: unknown[], node: Extract<IntrinsicArg, { t: 'call' }>, env: AslEnv) => unknown;

function fail(_node: Extract<IntrinsicArg, { t: 'call' }>, msg: string): never {
  throw new IntrinsicFailure(msg);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** How Java's toString renders a JSON value inside States.Format (maps as `{k=v}`, lists as `[a, b]`). */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}=${formatValue(x)}`)
    .join(', ')}}`;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Java's Math.round: floor(x + 0.5). */
function javaRound(x: number): number {
  return Math.floor(x + 0.5);
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** java.util.Random, so a seeded States.MathRandom is deterministic like AWS's. */
class JavaRandom {
  private seed: bigint;
  constructor(seed: number) {
    this.seed = (BigInt(Math.trunc(seed)) ^ 0x5deece66dn) & ((1n << 48n) - 1n);
  }
  private next(bits: number): number {
    this.seed = (this.seed * 0x5deece66dn + 0xbn) & ((1n << 48n) - 1n);
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }
  nextInt(bound: number): number {
    if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(this.next(31))) >> 31n);
    let bits: number;
    let val: number;
    do {
      bits = this.next(31);
      val = bits % bound;
    } while (bits - val + (bound - 1) > INT_MAX);
    return val;
  }
}

function uuidFrom(env: AslEnv): string {
  const id = env.newId();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return id.toLowerCase();
  const hex = Array.from({ length: 32 }, () => Math.floor(env.random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(env.random() * 4)]!;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const HASHES: Record<string, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

const FUNCTIONS: Record<string, Fn> = {
  'States.Format': (args, node) => {
    const [tpl, ...rest] = args;
    if (typeof tpl !== 'string') fail(node, 'The first argument must be a string template');
    const first = node.args[0]!;
    // In a literal template `\{` and `\}` are literal braces; a template read from a path has no escapes.
    const raw = first.t === 'string' ? first.raw : tpl;
    let out = '';
    let n = 0;
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (first.t === 'string' && c === '\\') {
        out += raw[i + 1] ?? '';
        i++;
      } else if (c === '{' && raw[i + 1] === '}') {
        if (n >= rest.length) fail(node, 'Number of arguments does not match the number of placeholders');
        out += formatValue(rest[n++]);
        i++;
      } else out += c;
    }
    if (n !== rest.length) fail(node, 'Number of arguments does not match the number of placeholders');
    return out;
  },
  'States.StringToJson': ([s], node) => {
    if (typeof s !== 'string') fail(node, 'The argument must be a string');
    // A blank string holds no JSON value: AWS's (Jackson) parser yields null rather than failing.
    if (s.trim() === '') return null;
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return fail(node, `The string '${s}' is not valid JSON`);
    }
  },
  'States.JsonToString': ([v]) => JSON.stringify(v ?? null),
  'States.Array': (args) => args,
  'States.ArrayPartition': ([arr, size], node) => {
    if (!Array.isArray(arr)) fail(node, 'The first argument must be an array');
    if (!isInt(size) || size <= 0) fail(node, 'The chunk size must be a positive integer');
    const out: unknown[][] = [];
    for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
    return out;
  },
  'States.ArrayContains': ([arr, v], node) => {
    if (!Array.isArray(arr)) fail(node, 'The first argument must be an array');
    return arr.some((x) => jsonEqual(x, v));
  },
  'States.ArrayRange': ([start, end, step], node) => {
    if (!isInt(start) || !isInt(end) || !isInt(step)) fail(node, 'All arguments must be integers');
    if (step === 0) fail(node, 'The step must not be zero');
    const out: number[] = [];
    for (let i = start; step > 0 ? i <= end : i >= end; i += step) {
      out.push(i);
      if (out.length > 1000) fail(node, 'The array range exceeds the maximum of 1000 elements');
    }
    return out;
  },
  'States.ArrayGetItem': ([arr, idx], node) => {
    if (!Array.isArray(arr)) fail(node, 'The first argument must be an array');
    if (!isInt(idx) || idx < 0) fail(node, 'The index must be a non-negative integer');
    if (idx >= arr.length) fail(node, `The index ${idx} is out of bounds for an array of length ${arr.length}`);
    return arr[idx] as unknown;
  },
  'States.ArrayLength': ([arr], node) => {
    if (!Array.isArray(arr)) fail(node, 'The argument must be an array');
    return arr.length;
  },
  'States.ArrayUnique': ([arr], node) => {
    if (!Array.isArray(arr)) fail(node, 'The argument must be an array');
    const out: unknown[] = [];
    for (const x of arr) if (!out.some((y) => jsonEqual(x, y))) out.push(x);
    return out;
  },
  'States.Base64Encode': ([s], node) => {
    if (typeof s !== 'string') fail(node, 'The argument must be a string');
    if (s.length > 10_000) fail(node, 'The input exceeds the maximum of 10000 characters');
    return Buffer.from(s, 'utf8').toString('base64');
  },
  'States.Base64Decode': ([s], node) => {
    if (typeof s !== 'string') fail(node, 'The argument must be a string');
    if (s.length > 10_000) fail(node, 'The input exceeds the maximum of 10000 characters');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) fail(node, 'The input is not valid Base64');
    return Buffer.from(s, 'base64').toString('utf8');
  },
  'States.Hash': ([data, algo], node) => {
    if (typeof algo !== 'string' || !HASHES[algo]) {
      fail(node, `The hash algorithm must be one of ${Object.keys(HASHES).join(', ')}`);
    }
    if (data === null || data === undefined) fail(node, 'The data to hash must not be null');
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    if (text.length > 10_000) fail(node, 'The input exceeds the maximum of 10000 characters');
    return createHash(HASHES[algo]).update(text, 'utf8').digest('hex');
  },
  'States.JsonMerge': ([a, b, deep], node) => {
    if (!isPlainObject(a) || !isPlainObject(b)) fail(node, 'The first two arguments must be JSON objects');
    if (typeof deep !== 'boolean') fail(node, 'The third argument must be a boolean');
    return deep ? deepMerge(a, b) : { ...a, ...b };
  },
  'States.MathRandom': ([rawStart, rawEnd, seed], node, env) => {
    // Like States.MathAdd, AWS rounds a fractional start/end (Java's Math.round) rather than refusing it.
    const start = typeof rawStart === 'number' ? javaRound(rawStart) : rawStart;
    const end = typeof rawEnd === 'number' ? javaRound(rawEnd) : rawEnd;
    if (!isInt(start) || !isInt(end)) fail(node, 'The start and end must be integers');
    if (seed !== undefined && !isInt(seed)) fail(node, 'The seed must be an integer');
    if (end <= start) fail(node, 'The end must be greater than the start');
    const bound = end - start;
    if (seed !== undefined && bound <= INT_MAX) return start + new JavaRandom(seed).nextInt(bound);
    return start + Math.floor(env.random() * bound);
  },
  'States.MathAdd': ([a, b], node) => {
    if (typeof a !== 'number' || typeof b !== 'number') fail(node, 'Both arguments must be numbers');
    const x = javaRound(a);
    const y = javaRound(b);
    if (x < INT_MIN || x > INT_MAX || y < INT_MIN || y > INT_MAX) fail(node, 'The arguments must be within the 32-bit integer range');
    return x + y;
  },
  'States.StringSplit': ([s, delims], node) => {
    if (typeof s !== 'string' || typeof delims !== 'string') fail(node, 'Both arguments must be strings');
    // Like Java's StringTokenizer: every character of the delimiter splits, empty tokens vanish.
    const out: string[] = [];
    let cur = '';
    for (const ch of s) {
      if (delims.includes(ch)) {
        if (cur) out.push(cur);
        cur = '';
      } else cur += ch;
    }
    if (cur) out.push(cur);
    return out;
  },
  'States.UUID': (_args, _node, env) => uuidFrom(env),
};

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}
