/**
 * JSONPath as Step Functions evaluates it (Jayway JsonPath semantics): a definite path (only
 * names and single indexes) yields one value or throws PathNotFoundError; an indefinite path
 * (wildcards, slices, unions, filters, deep scan) yields a list, possibly empty.
 *
 * Size: one JSONPath engine with Jayway's semantics (tokenizer, parser, evaluator, filter
 * expressions); ASL's scope paths and ResultPath rules are apart in resolvePath.ts and
 * resultPath.ts.
 */

/** Thrown when a definite path selects nothing. `message` is Jayway's wording. */
export class PathNotFoundError extends Error {
  constructor(
    /** The path as written. */
    readonly path: string,
    message: string,
    /**
     * Why nothing was found. `index-out-of-range-leaf`: the last segment indexed past the end of an
     * array, which AWS resolves to null in a plain `.$` template field.
     */
    readonly reason: 'missing' | 'not-object' | 'not-array' | 'index-out-of-range' | 'index-out-of-range-leaf' | 'undefined-variable' = 'missing',
  ) {
    super(message);
    this.name = 'PathNotFoundError';
  }
}

/** A syntactically invalid path. */
export class PathSyntaxError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'PathSyntaxError';
  }
}

export type Segment =
  | { k: 'prop'; name: string }
  | { k: 'index'; i: number }
  | { k: 'wild' }
  | { k: 'props'; names: string[] }
  | { k: 'indexes'; list: number[] }
  | { k: 'slice'; start: number | undefined; end: number | undefined; step: number | undefined }
  | { k: 'filter'; expr: FilterExpr; text: string }
  | { k: 'deep'; seg: Segment };

export interface ParsedPath {
  source: string;
  segments: Segment[];
  /** Selects at most one value: names and single indexes, or a multi-name leaf (`$['a','b']`, merged). */
  definite: boolean;
  /** Names and single indexes only: what ResultPath and other Reference Paths accept. */
  reference: boolean;
}

const cache = new Map<string, ParsedPath>();

/** Parse (and cache) a JSONPath beginning with `$`. Throws PathSyntaxError. */
export function parsePath(path: string): ParsedPath {
  const hit = cache.get(path);
  if (hit) return hit;
  const parsed = new PathParser(path).parse();
  if (cache.size > 10_000) cache.clear();
  cache.set(path, parsed);
  return parsed;
}

/** True when `path` is a syntactically valid JSONPath. */
export function isValidPath(path: string): boolean {
  try {
    parsePath(path);
    return true;
  } catch {
    return false;
  }
}

/** True for a valid definite path (a "Reference Path": names and single indexes only). */
export function isReferencePath(path: string): boolean {
  try {
    return parsePath(path).reference;
  } catch {
    return false;
  }
}

/**
 * Read `path` (starting with `$`) from `data`. Definite paths return the value or throw
 * PathNotFoundError; indefinite paths return an array of matches.
 */
export function readPath(data: unknown, path: string): unknown {
  const parsed = parsePath(path);
  if (parsed.definite) return readDefinite(data, parsed);
  const out: unknown[] = [];
  walk(data, parsed.segments, 0, data, out);
  return out;
}

function readDefinite(data: unknown, parsed: ParsedPath): unknown {
  let cur = data;
  const segs = parsed.segments;
  for (let n = 0; n < segs.length; n++) {
    const seg = segs[n]!;
    if (seg.k === 'prop') {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.prototype.hasOwnProperty.call(cur, seg.name)) {
        throw definiteMiss(cur, parsed, n);
      }
      cur = (cur as Record<string, unknown>)[seg.name];
    } else if (seg.k === 'index') {
      if (!Array.isArray(cur)) throw definiteMiss(cur, parsed, n);
      const i = seg.i < 0 ? cur.length + seg.i : seg.i;
      if (i < 0 || i >= cur.length) throw definiteMiss(cur, parsed, n);
      cur = cur[i] as unknown;
    } else if (seg.k === 'props') {
      if (!isObject(cur)) throw definiteMiss(cur, parsed, n);
      return mergeProps(cur, seg.names);
    }
  }
  return cur;
}

/** A multi-name leaf selects one object holding the names that exist. */
function mergeProps(cur: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) if (Object.prototype.hasOwnProperty.call(cur, name)) out[name] = cur[name];
  return out;
}

/** Build Jayway's message for a definite path that stops at segment `n` (off the hot path). */
function definiteMiss(cur: unknown, parsed: ParsedPath, n: number): PathNotFoundError {
  const segs = parsed.segments;
  const seg = segs[n]!;
  const at = '$' + segs.slice(0, n).map(segText).join('');
  const leaf = n === segs.length - 1;
  if (seg.k === 'prop') {
    const frag = `['${seg.name}']`;
    if (!isObject(cur)) {
      return new PathNotFoundError(
        parsed.source,
        `Expected to find an object with property ${frag} in path ${at} but found '${javaType(cur)}'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.`,
        'not-object',
      );
    }
    return new PathNotFoundError(parsed.source, leaf ? `No results for path: ${normalized(parsed)}` : `Missing property in path ${at}${frag}`);
  }
  if (seg.k === 'props') {
    return new PathNotFoundError(
      parsed.source,
      `Expected to find an object with property ${segText(seg)} in path ${at} but found '${javaType(cur)}'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.`,
      'not-object',
    );
  }
  if (seg.k === 'index' && !Array.isArray(cur)) {
    return new PathNotFoundError(parsed.source, `Filter: [${seg.i}] can only be applied to arrays. Current context is: ${JSON.stringify(cur) ?? 'null'}`, 'not-array');
  }
  return new PathNotFoundError(parsed.source, `No results for path: ${normalized(parsed)}`, leaf ? 'index-out-of-range-leaf' : 'index-out-of-range');
}

function javaType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return 'java.lang.String';
  if (typeof v === 'number') return Number.isInteger(v) ? 'java.lang.Integer' : 'java.lang.Double';
  if (typeof v === 'boolean') return 'java.lang.Boolean';
  if (Array.isArray(v)) return 'net.minidev.json.JSONArray';
  return 'net.minidev.json.JSONObject';
}

/** Jayway's normalized rendering, e.g. `$['a'][0]['b']`, used in its error messages. */
export function normalized(parsed: ParsedPath): string {
  return '$' + parsed.segments.map(segText).join('');
}

function segText(s: Segment): string {
  switch (s.k) {
    case 'prop':
      return `['${s.name}']`;
    case 'index':
      return `[${s.i}]`;
    case 'wild':
      return '[*]';
    case 'props':
      return `[${s.names.map((n) => `'${n}'`).join(',')}]`;
    case 'indexes':
      return `[${s.list.join(',')}]`;
    case 'slice':
      return `[${s.start ?? ''}:${s.end ?? ''}${s.step === undefined ? '' : `:${s.step}`}]`;
    case 'filter':
      return `[?(${s.text})]`;
    case 'deep':
      return '..' + segText(s.seg);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) return Object.values(v);
  return [];
}

function walk(cur: unknown, segs: Segment[], n: number, root: unknown, out: unknown[]): void {
  if (n === segs.length) {
    out.push(cur);
    return;
  }
  const seg = segs[n]!;
  const next = (v: unknown): void => walk(v, segs, n + 1, root, out);
  applySeg(cur, seg, root, next, n === segs.length - 1);
}

function applySeg(cur: unknown, seg: Segment, root: unknown, next: (v: unknown) => void, last = false): void {
  switch (seg.k) {
    case 'prop':
      if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, seg.name)) next(cur[seg.name]);
      return;
    case 'props':
      // `last` marks a leaf: Jayway merges the names into one object there.
      if (isObject(cur)) {
        if (last) next(mergeProps(cur, seg.names));
        else for (const name of seg.names) if (Object.prototype.hasOwnProperty.call(cur, name)) next(cur[name]);
      }
      return;
    case 'index':
    case 'indexes': {
      if (!Array.isArray(cur)) return;
      for (const raw of seg.k === 'index' ? [seg.i] : seg.list) {
        const i = raw < 0 ? cur.length + raw : raw;
        if (i >= 0 && i < cur.length) next(cur[i]);
      }
      return;
    }
    case 'wild':
      for (const c of children(cur)) next(c);
      return;
    case 'slice': {
      if (!Array.isArray(cur)) return;
      const len = cur.length;
      const step = seg.step ?? 1;
      if (step <= 0) return;
      const norm = (x: number | undefined, dflt: number): number => (x === undefined ? dflt : x < 0 ? Math.max(0, len + x) : Math.min(len, x));
      const start = norm(seg.start, 0);
      const end = norm(seg.end, len);
      for (let i = start; i < end; i += step) next(cur[i]);
      return;
    }
    case 'filter':
      // Jayway applies a filter to each element of an array, but to an object itself.
      // AWS: "The @ operator ... does not match scalar values. It only matches objects."
      if (Array.isArray(cur)) {
        for (const c of cur) if (isObject(c) && truthyFilter(seg.expr, c, root)) next(c);
      } else if (isObject(cur) && truthyFilter(seg.expr, cur, root)) next(cur);
      return;
    case 'deep': {
      const inner = seg.seg;
      const visit = (v: unknown): void => {
        // A deep-scan filter tests every object once (not again as an array element).
        if (inner.k === 'filter') {
          if (isObject(v) && truthyFilter(inner.expr, v, root)) next(v);
        } else applySeg(v, inner, root, next);
        for (const c of children(v)) if (typeof c === 'object' && c !== null) visit(c);
      };
      visit(cur);
      return;
    }
  }
}

// ---------------------------------------------------------------- filter expressions

type FilterExpr =
  | { t: 'lit'; v: unknown }
  | { t: 'path'; root: '@' | '$'; segs: Segment[]; definite: boolean }
  | { t: 'regex'; re: RegExp }
  | { t: 'not'; e: FilterExpr }
  | { t: 'and' | 'or'; a: FilterExpr; b: FilterExpr }
  | { t: 'cmp'; op: string; a: FilterExpr; b: FilterExpr };

const MISSING = Symbol('missing');

function evalOperand(e: FilterExpr, cur: unknown, root: unknown): unknown {
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'regex':
      return e.re;
    case 'path': {
      const base = e.root === '@' ? cur : root;
      const out: unknown[] = [];
      walk(base, e.segs, 0, root, out);
      if (e.definite) return out.length ? out[0] : MISSING;
      return out;
    }
    default:
      return truthyFilter(e, cur, root);
  }
}

function truthyFilter(e: FilterExpr, cur: unknown, root: unknown): boolean {
  switch (e.t) {
    case 'and':
      return truthyFilter(e.a, cur, root) && truthyFilter(e.b, cur, root);
    case 'or':
      return truthyFilter(e.a, cur, root) || truthyFilter(e.b, cur, root);
    case 'not':
      return !truthyFilter(e.e, cur, root);
    case 'path': {
      const v = evalOperand(e, cur, root);
      return v !== MISSING && !(Array.isArray(v) && !e.definite && v.length === 0);
    }
    case 'lit':
      return e.v === true;
    case 'regex':
      return false;
    case 'cmp':
      return compare(e.op, evalOperand(e.a, cur, root), evalOperand(e.b, cur, root));
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (a === MISSING || b === MISSING) return op === '!=' ? a !== b : false;
  switch (op) {
    case '==':
      return deepEqual(a, b);
    case '!=':
      return !deepEqual(a, b);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return false;
      if (op === '<') return a < b;
      if (op === '<=') return a <= b;
      if (op === '>') return a > b;
      return a >= b;
    }
    case '=~':
      return typeof a === 'string' && b instanceof RegExp && b.test(a);
    case 'in':
      return Array.isArray(b) && b.some((x) => deepEqual(x, a));
    case 'nin':
      return Array.isArray(b) && !b.some((x) => deepEqual(x, a));
    case 'subsetof':
      return Array.isArray(a) && Array.isArray(b) && a.every((x) => b.some((y) => deepEqual(x, y)));
    case 'anyof':
      return Array.isArray(a) && Array.isArray(b) && a.some((x) => b.some((y) => deepEqual(x, y)));
    case 'noneof':
      return Array.isArray(a) && Array.isArray(b) && !a.some((x) => b.some((y) => deepEqual(x, y)));
    case 'size':
      return (typeof a === 'string' || Array.isArray(a)) && a.length === b;
    case 'empty':
      return (typeof a === 'string' || Array.isArray(a)) && (a.length === 0) === b;
    default:
      return false;
  }
}

// ---------------------------------------------------------------- parser

class PathParser {
  private pos = 0;
  /** Inside a filter, names end at operators and spaces too. */
  private filterDepth = 0;
  constructor(private readonly src: string) {}

  private fail(msg: string): never {
    throw new PathSyntaxError(this.src, `Invalid JSONPath '${this.src}': ${msg} at position ${this.pos}`);
  }

  parse(): ParsedPath {
    const s = this.src;
    if (s[0] !== '$') this.fail("path must start with '$'");
    this.pos = 1;
    const segments = this.segments(() => this.pos >= s.length);
    const reference = segments.every((g) => g.k === 'prop' || g.k === 'index');
    // Jayway merges a multi-name leaf into one object, so such a path is "kinda definite".
    const definite = reference || (segments.slice(0, -1).every((g) => g.k === 'prop' || g.k === 'index') && segments[segments.length - 1]!.k === 'props');
    return { source: s, segments, definite, reference };
  }

  /** Parse segments until `stop()`; used for the top-level path and for paths inside filters. */
  segments(stop: () => boolean): Segment[] {
    const s = this.src;
    const segs: Segment[] = [];
    while (!stop()) {
      const c = s[this.pos];
      if (c === '.') {
        if (s[this.pos + 1] === '.') {
          this.pos += 2;
          if (s[this.pos] === '[') segs.push({ k: 'deep', seg: this.bracket() });
          else segs.push({ k: 'deep', seg: this.dotName() });
        } else {
          this.pos += 1;
          // AWS documents `$.abc.['def ghi']`: a dot before a bracket is allowed and means nothing.
          segs.push(s[this.pos] === '[' ? this.bracket() : this.dotName());
        }
      } else if (c === '[') {
        segs.push(this.bracket());
      } else {
        this.fail(`unexpected '${c}'`);
      }
    }
    return segs;
  }

  private dotName(): Segment {
    const s = this.src;
    if (s[this.pos] === '*') {
      this.pos++;
      return { k: 'wild' };
    }
    const start = this.pos;
    const stops = this.filterDepth > 0 ? '.[] ()=<>!&|,' : '.[';
    while (this.pos < s.length && !stops.includes(s[this.pos]!)) this.pos++;
    if (this.pos === start) this.fail('empty property name');
    return { k: 'prop', name: s.slice(start, this.pos) };
  }

  private skipWs(): void {
    while (this.src[this.pos] === ' ') this.pos++;
  }

  private expect(ch: string): void {
    this.skipWs();
    if (this.src[this.pos] !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  private quoted(): string {
    const s = this.src;
    const q = s[this.pos]!;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string');
      const c = s[this.pos]!;
      if (c === '\\' && s[this.pos + 1] === q) {
        out += q;
        this.pos += 2;
        continue;
      }
      if (c === '\\' && s[this.pos + 1] === '\\') {
        out += '\\';
        this.pos += 2;
        continue;
      }
      if (c === q) {
        this.pos++;
        return out;
      }
      out += c;
      this.pos++;
    }
  }

  private int(): number | undefined {
    const m = /^-?\d+/.exec(this.src.slice(this.pos));
    if (!m) return undefined;
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private bracket(): Segment {
    const s = this.src;
    this.pos++; // [
    this.skipWs();
    const c = s[this.pos];
    let seg: Segment;
    if (c === '*') {
      this.pos++;
      seg = { k: 'wild' };
    } else if (c === "'" || c === '"') {
      const names = [this.quoted()];
      this.skipWs();
      while (s[this.pos] === ',') {
        this.pos++;
        this.skipWs();
        if (s[this.pos] !== "'" && s[this.pos] !== '"') this.fail('expected quoted name');
        names.push(this.quoted());
        this.skipWs();
      }
      seg = names.length === 1 ? { k: 'prop', name: names[0]! } : { k: 'props', names };
    } else if (c === '?') {
      this.pos++;
      this.expect('(');
      const start = this.pos;
      this.filterDepth++;
      const expr = this.orExpr();
      this.filterDepth--;
      const text = s.slice(start, this.pos).trim();
      this.expect(')');
      seg = { k: 'filter', expr, text };
    } else {
      const first = this.int();
      this.skipWs();
      if (s[this.pos] === ':') {
        this.pos++;
        this.skipWs();
        const end = this.int();
        let step: number | undefined;
        this.skipWs();
        if (s[this.pos] === ':') {
          this.pos++;
          step = this.int();
        }
        seg = { k: 'slice', start: first, end, step };
      } else {
        if (first === undefined) this.fail('expected index');
        const list = [first];
        while (s[this.pos] === ',') {
          this.pos++;
          this.skipWs();
          const n = this.int();
          if (n === undefined) this.fail('expected index');
          list.push(n);
          this.skipWs();
        }
        seg = list.length === 1 ? { k: 'index', i: first } : { k: 'indexes', list };
      }
    }
    this.expect(']');
    return seg;
  }

  private orExpr(): FilterExpr {
    let a = this.andExpr();
    for (;;) {
      this.skipWs();
      if (this.src.startsWith('||', this.pos)) {
        this.pos += 2;
        a = { t: 'or', a, b: this.andExpr() };
      } else return a;
    }
  }

  private andExpr(): FilterExpr {
    let a = this.unary();
    for (;;) {
      this.skipWs();
      if (this.src.startsWith('&&', this.pos)) {
        this.pos += 2;
        a = { t: 'and', a, b: this.unary() };
      } else return a;
    }
  }

  private unary(): FilterExpr {
    this.skipWs();
    const s = this.src;
    if (s[this.pos] === '!' && s[this.pos + 1] !== '=') {
      this.pos++;
      return { t: 'not', e: this.unary() };
    }
    if (s[this.pos] === '(') {
      this.pos++;
      const e = this.orExpr();
      this.expect(')');
      return e;
    }
    const a = this.operand();
    this.skipWs();
    const m = /^(==|!=|<=|>=|<|>|=~|in\b|nin\b|subsetof\b|anyof\b|noneof\b|size\b|empty\b)/.exec(s.slice(this.pos));
    if (!m) return a;
    this.pos += m[0].length;
    return { t: 'cmp', op: m[0], a, b: this.operand() };
  }

  private operand(): FilterExpr {
    this.skipWs();
    const s = this.src;
    const c = s[this.pos];
    if (c === '@' || c === '$') {
      this.pos++;
      const segs = this.segments(() => {
        const ch = s[this.pos];
        return ch !== '.' && ch !== '[';
      });
      return { t: 'path', root: c, segs, definite: segs.every((g) => g.k === 'prop' || g.k === 'index') };
    }
    if (c === "'" || c === '"') return { t: 'lit', v: this.quoted() };
    if (c === '/') {
      const m = /^\/((?:\\.|[^/\\])*)\/([a-z]*)/.exec(s.slice(this.pos));
      if (!m) this.fail('bad regex');
      this.pos += m[0].length;
      try {
        return { t: 'regex', re: new RegExp(m[1]!, m[2]!.replace(/[^imsu]/g, '')) };
      } catch {
        return this.fail('bad regex');
      }
    }
    if (c === '[') {
      this.pos++;
      const items: unknown[] = [];
      this.skipWs();
      while (s[this.pos] !== ']') {
        const e = this.operand();
        if (e.t !== 'lit') this.fail('array literals hold literals only');
        items.push(e.v);
        this.skipWs();
        if (s[this.pos] === ',') this.pos++;
        else if (s[this.pos] !== ']') this.fail("expected ',' or ']'");
        this.skipWs();
      }
      this.pos++;
      return { t: 'lit', v: items };
    }
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true\b|false\b|null\b)/.exec(s.slice(this.pos));
    if (!m) this.fail('expected operand');
    this.pos += m[0].length;
    return { t: 'lit', v: JSON.parse(m[0]) as unknown };
  }
}
