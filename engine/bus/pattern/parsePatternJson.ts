/**
 * A strict JSON parser for event patterns that keeps each number's source token: event-ruler
 * refuses numbers that a double cannot hold (`1E309`, `1E-325`), which JSON.parse would silently
 * turn into Infinity or 0. Duplicate keys keep the last value, as JSON.parse and event-ruler do.
 */

export class NumberToken {
  constructor(
    readonly raw: string,
    readonly value: number,
  ) {}
}

export type PatternJson = string | NumberToken | boolean | null | PatternJson[] | { [key: string]: PatternJson };

export class PatternJsonSyntaxError extends Error {}

export function parsePatternJson(text: string): PatternJson {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new PatternJsonSyntaxError(`${msg} at position ${pos}`);
  };
  const ws = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++;
      else break;
    }
  };
  const describe = (): string => (pos >= text.length ? 'end of input' : `character '${text[pos]}'`);

  const parseString = (): string => {
    pos++; // opening quote
    let out = '';
    for (;;) {
      if (pos >= text.length) fail('Unterminated string');
      const ch = text[pos] as string;
      if (ch === '"') {
        pos++;
        return out;
      }
      if (ch === '\\') {
        const e = text[pos + 1];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(pos + 2, pos + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\u escape');
            out += String.fromCharCode(parseInt(hex, 16));
            pos += 4;
            break;
          }
          default:
            pos++;
            fail(`Unrecognized character escape '${e ?? ''}'`);
        }
        pos += 2;
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) fail('Unescaped control character in string');
      out += ch;
      pos++;
    }
  };

  const parseNumber = (): NumberToken => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos));
    if (!m) return fail(`Unexpected ${describe()}`);
    pos += m[0].length;
    return new NumberToken(m[0], Number(m[0]));
  };

  const parseValue = (): PatternJson => {
    ws();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      const obj: Record<string, PatternJson> = {};
      ws();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail(`Unexpected ${describe()}: was expecting double-quote to start field name`);
        const key = parseString();
        ws();
        if (text[pos] !== ':') fail(`Unexpected ${describe()}: was expecting a colon to separate field name and value`);
        pos++;
        const value = parseValue();
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        return fail(`Unexpected ${describe()}: was expecting comma to separate Object entries`);
      }
    }
    if (ch === '[') {
      pos++;
      const arr: PatternJson[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        ws();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        return fail(`Unexpected ${describe()}: was expecting comma to separate Array entries`);
      }
    }
    if (ch === '"') return parseString();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return parseNumber();
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    return fail(`Unexpected ${describe()}`);
  };

  const value = parseValue();
  ws();
  if (pos < text.length) fail(`Unexpected ${describe()} after the JSON value`);
  return value;
}

/** Converts an already-parsed JS value (numbers as doubles) into the token form. */
export function toPatternJson(value: unknown): PatternJson {
  if (typeof value === 'number') return new NumberToken(String(value), value);
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map(toPatternJson);
  if (typeof value === 'object') {
    const out: Record<string, PatternJson> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      Object.defineProperty(out, k, { value: toPatternJson(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  throw new PatternJsonSyntaxError(`Unsupported value of type ${typeof value}`);
}
