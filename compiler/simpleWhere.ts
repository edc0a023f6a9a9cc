/** One term of a `where` that EventBridge can filter on `detail.attributes.<attribute>`. */
export interface PushedTerm {
  attribute: string;
  values: unknown[];
  exact: boolean;
  /** True when the test means "any value matches" (membership, exists), right on multi-valued paths too. */
  anyValue?: boolean;
}

/**
 * The terms of a `where` written in the common simple form, read without FHIRPath's ANTLR parser:
 * `path op literal` conjuncts joined by `and` (`=`, `!=`, `<`, `>`, `<=`, `>=`, `in (…|…)`,
 * `contains`, `.exists()`, `.empty()`, `.startsWith('…')`). Loading and warming ANTLR costs ~60 ms,
 * a fifth of a `clinflow validate` run, for conditions like `status = 'active' and intent = 'order'`.
 *
 * It answers only when the whole expression is in that form and every term is pushable; anything
 * else (another token, a keyword as a name, an escape in a string, a quantity, parentheses, `or`)
 * gives `undefined`, and the caller parses with fhirpath as before. So it never decides syntax
 * errors, and when it answers it gives exactly the terms the parser's tree gives:
 * compiler/simpleWhere.test.ts compares the two on generated expressions.
 */
export function simpleWhereTerms(expression: string, resourceType: string): PushedTerm[] | undefined {
  const tokens = tokenize(expression);
  if (!tokens) return undefined;
  const terms: PushedTerm[] = [];
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const take = (kind: Token['kind'], text?: string): Token | undefined => {
    const t = tokens[i];
    if (!t || t.kind !== kind || (text !== undefined && t.text !== text)) return undefined;
    i++;
    return t;
  };
  const literal = (): Literal | undefined => {
    const t = peek();
    if (t?.kind === 'string') return (i++, t.text.slice(1, -1));
    if (t?.kind === 'number') return (i++, Number(t.text));
    if (t?.kind === 'name' && (t.text === 'true' || t.text === 'false')) return (i++, t.text === 'true');
    return undefined;
  };
  for (;;) {
    // A path: names joined by dots, stopping before a function call.
    const names: string[] = [];
    let call: string | undefined;
    for (;;) {
      const name = take('name');
      if (!name) return undefined;
      if (peek()?.text === '(') {
        if (names.length === 0) return undefined;
        call = name.text;
        i++;
        break;
      }
      if (KEYWORDS.has(name.text)) return undefined;
      names.push(name.text);
      if (!take('punct', '.')) break;
    }
    if (names[0] === resourceType) names.shift();
    if (names.length === 0) return undefined;
    const attribute = names.join('.');
    let term: PushedTerm | undefined;
    if (call !== undefined) {
      if ((call === 'exists' || call === 'empty') && take('punct', ')')) term = { attribute, values: [{ exists: call === 'exists' }], exact: true, anyValue: true };
      else if (call === 'startsWith') {
        const prefix = literal();
        if (typeof prefix === 'string' && prefix !== '' && take('punct', ')')) term = { attribute, values: [{ prefix }], exact: true };
      }
    } else {
      const op = peek();
      i++;
      if (op?.kind === 'punct' && (op.text === '=' || op.text === '!=')) {
        const value = literal();
        if (value !== undefined) term = { attribute, values: op.text === '=' ? [value] : [{ 'anything-but': [value] }], exact: true };
      } else if (op?.kind === 'punct' && NUMERIC_OPS.has(op.text)) {
        const value = literal();
        if (typeof value === 'number') term = { attribute, values: [{ numeric: [op.text, value] }], exact: true };
      } else if (op?.kind === 'name' && op.text === 'contains') {
        const value = literal();
        if (value !== undefined) term = { attribute, values: [value], exact: true, anyValue: true };
      } else if (op?.kind === 'name' && op.text === 'in') {
        const values: Literal[] = [];
        if (take('punct', '(')) {
          do {
            const value = literal();
            if (value === undefined) return undefined;
            values.push(value);
          } while (take('punct', '|'));
          if (!take('punct', ')')) return undefined;
        } else {
          const value = literal();
          if (value === undefined) return undefined;
          values.push(value);
        }
        term = { attribute, values, exact: true };
      }
    }
    if (!term) return undefined;
    terms.push(term);
    if (i === tokens.length) return terms;
    if (!take('name', 'and')) return undefined;
  }
}

type Literal = string | number | boolean;

interface Token {
  kind: 'name' | 'string' | 'number' | 'punct';
  text: string;
}

const NUMERIC_OPS = new Set(['<', '>', '<=', '>=']);

/**
 * Words FHIRPath's grammar reserves (fhirpath's FHIRPathLexer literalNames): none is read as a
 * plain name here, though the grammar lets some (`as`, `is`, `in`, `contains`) be one.
 */
const KEYWORDS = new Set(
  'div mod is as in contains and or xor implies true false sort asc desc year month week day hour minute second millisecond years months weeks days hours minutes seconds milliseconds'.split(' '),
);

/**
 * The tokens of the simple form, or undefined at the first character outside it. Strings with a
 * backslash are left to the parser (its escapes), as are numbers followed by a unit or a name (a
 * quantity), comments, `$`/`%`/`@`/backticks, and whitespace other than FHIRPath's own.
 */
function tokenize(source: string): Token[] | undefined {
  const tokens: Token[] = [];
  const re = /[ \t\r\n]+|([A-Za-z_][A-Za-z0-9_]*)|('[^'\\\r\n]*')|([0-9]+(?:\.[0-9]+)?)(?![0-9A-Za-z_.'])|(!=|<=|>=|[=<>().|])/y;
  let at = 0;
  while (at < source.length) {
    re.lastIndex = at;
    const m = re.exec(source);
    if (!m) return undefined;
    at = re.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'string', text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'number', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'punct', text: m[4] });
  }
  return tokens;
}
