import { RE2JS } from 're2js';

/**
 * The RegExp that JSONata uses for `/…/` literals (jsonata's `RegexEngine` option): the pure-JS RE2
 * port, whose matching time is linear in the input, so `/^(a+)+$/` on a long string cannot
 * backtrack for minutes and freeze the process. RE2 has no backreferences or lookaheads; a pattern
 * that uses them is refused when evaluated (a `States.QueryEvaluationError`), never run unbounded.
 *
 * Only what jsonata's regex closure uses is implemented: `lastIndex` and `exec`.
 */
export class LinearRegExp {
  lastIndex = 0;
  private readonly re: RE2JS;

  constructor(pattern: RegExp | string, flags?: string) {
    const native = pattern instanceof RegExp ? pattern : new RegExp(pattern, flags);
    this.re = compiled(native);
  }

  exec(input: string): RegExpExecArray | null {
    const m = this.re.matcher(input);
    if (this.lastIndex > input.length || !m.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: Array<string | undefined> = [];
    for (let i = 0; i <= m.groupCount(); i++) groups.push(m.group(i) ?? undefined);
    const out = Object.assign(groups, { index: m.start(), input }) as unknown as RegExpExecArray;
    this.lastIndex = m.end();
    return out;
  }
}

const cache = new Map<string, RE2JS>();

function compiled(native: RegExp): RE2JS {
  const key = `${native.flags}/${native.source}`;
  let re = cache.get(key);
  if (!re) {
    try {
      re = RE2JS.compile(RE2JS.translateRegExp(native));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw Object.assign(new Error(`The regular expression /${native.source}/ is not supported (no backreferences or lookarounds: matching must take linear time): ${why}`), { code: 'U1001' });
    }
    if (cache.size > 1000) cache.clear();
    cache.set(key, re);
  }
  return re;
}
