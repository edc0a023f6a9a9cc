import { parseFhirPath } from './fhirPathParser';
import { simpleWhereTerms, type PushedTerm } from './simpleWhere';

interface FpNode {
  type: string;
  text?: string;
  children?: FpNode[];
}

/** EventBridge content filters on `detail.attributes.<path>`, from the pushable part of a FHIRPath `where`. */
export interface WhereAnalysis {
  /** attribute (a FHIRPath path such as `status` or `code.coding.code`) → EventBridge value list. */
  filters: Record<string, unknown[]>;
  /** True when the filters decide the condition alone; otherwise a guard state evaluates `where`. */
  exact: boolean;
}

export type WhereResult = { ok: true; analysis: WhereAnalysis } | { ok: false; message: string; line?: number; col?: number };

/**
 * Parses a FHIRPath condition (syntax errors carry line/col within the expression) and splits out
 * what EventBridge can filter. Conditions in the simple form skip fhirpath's parser
 * (compiler/simpleWhere.ts); `parser: true` always uses it (the tests compare the two).
 */
export function analyseWhere(expression: string, resourceType: string, options: { parser?: boolean } = {}): WhereResult {
  const simple = options.parser ? undefined : simpleWhereTerms(expression, resourceType);
  if (simple) return { ok: true, analysis: combine(simple) };
  let ast: FpNode;
  try {
    ast = parseFhirPath(expression) as FpNode;
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    const m = /line: (\d+); column: (\d+); message: (.*)/s.exec(text);
    if (m) return { ok: false, message: `FHIRPath syntax error: ${(m[3] ?? '').replace(/ expecting \{.*\}$/s, '')}`, line: Number(m[1]), col: Number(m[2]) + 1 };
    return { ok: false, message: `FHIRPath syntax error: ${text}` };
  }
  return { ok: true, analysis: combine(conjuncts(unwrap(ast)).map((term) => pushdown(term, resourceType))) };
}

/** The filters of the pushable terms; exact only when they decide the whole condition. */
function combine(terms: readonly (PushedTerm | undefined)[]): WhereAnalysis {
  const filters: Record<string, unknown[]> = {};
  let exact = true;
  for (const f of terms) {
    if (!f || f.attribute in filters) {
      exact = false;
      continue;
    }
    filters[f.attribute] = f.values;
    // Only top-level elements are (assumed) single-valued; deeper paths can hold several values, where
    // EventBridge matches any of them but FHIRPath `=` wants exactly one: the filter is then a pre-filter.
    if (!f.exact || (f.attribute.includes('.') && !f.anyValue)) exact = false;
  }
  return { filters, exact };
}

function unwrap(n: FpNode): FpNode {
  let cur = n;
  for (;;) {
    const only = cur.children?.length === 1 ? cur.children[0] : undefined;
    if (only && (cur.type === 'EntireExpression' || cur.type === 'ParenthesizedTerm' || (cur.type === 'TermExpression' && only.type === 'ParenthesizedTerm'))) cur = only;
    else return cur;
  }
}

function conjuncts(n: FpNode): FpNode[] {
  const u = unwrap(n);
  if (u.type === 'AndExpression' && u.children?.length === 2) return u.children.flatMap(conjuncts);
  return [u];
}

/** `a.b.c` as a dotted path, without a leading resource type; undefined when not a plain path. */
function pathOf(n: FpNode, resourceType: string): string | undefined {
  const names: string[] = [];
  const walk = (x: FpNode): boolean => {
    if (x.type === 'InvocationExpression' && x.children?.length === 2) {
      const [head, tail] = x.children as [FpNode, FpNode];
      return walk(head) && walk(tail);
    }
    if ((x.type === 'TermExpression' || x.type === 'InvocationTerm') && x.children?.length === 1) return walk(x.children[0] as FpNode);
    if (x.type === 'MemberInvocation' && x.children?.[0]?.type === 'Identifier' && x.children[0].text) {
      names.push(x.children[0].text);
      return true;
    }
    return false;
  };
  if (!walk(n)) return undefined;
  if (names[0] === resourceType) names.shift();
  return names.length ? names.join('.') : undefined;
}

function literalOf(n: FpNode): string | number | boolean | undefined {
  const u = unwrap(n);
  const lit = u.type === 'TermExpression' && u.children?.[0]?.type === 'LiteralTerm' ? u.children[0].children?.[0] : undefined;
  if (!lit?.text) return undefined;
  if (lit.type === 'StringLiteral') return lit.text.slice(1, -1).replace(/\\'/g, "'").replace(/\\\\/g, '\\');
  if (lit.type === 'NumberLiteral') return Number(lit.text);
  if (lit.type === 'BooleanLiteral') return lit.text === 'true';
  return undefined;
}

function literalList(n: FpNode): (string | number | boolean)[] | undefined {
  const u = unwrap(n);
  if (u.type === 'UnionExpression' && u.children?.length === 2) {
    const a = literalList(u.children[0] as FpNode);
    const b = literalList(u.children[1] as FpNode);
    return a && b ? [...a, ...b] : undefined;
  }
  const one = literalOf(u);
  return one === undefined ? undefined : [one];
}

const NUMERIC_OPS = new Set(['<', '>', '<=', '>=']);

function pushdown(n: FpNode, resourceType: string): PushedTerm | undefined {
  const [l, r] = (n.children ?? []) as [FpNode | undefined, FpNode | undefined];
  if (n.type === 'EqualityExpression' && l && r && (n.text === '=' || n.text === '!=')) {
    const [path, lit] = pathOf(l, resourceType) !== undefined ? [pathOf(l, resourceType), literalOf(r)] : [pathOf(r, resourceType), literalOf(l)];
    if (path === undefined || lit === undefined) return undefined;
    return { attribute: path, values: n.text === '=' ? [lit] : [{ 'anything-but': [lit] }], exact: true };
  }
  if (n.type === 'MembershipExpression' && l && r) {
    // `'x' in path` / `path contains 'x'`: any value equal to x, exactly EventBridge's array semantics.
    const member = n.text === 'in' ? { path: pathOf(r, resourceType), lit: literalOf(l) } : { path: pathOf(l, resourceType), lit: literalOf(r) };
    if (member.path !== undefined && member.lit !== undefined) return { attribute: member.path, values: [member.lit], exact: true, anyValue: true };
    if (n.text === 'in') {
      const path = pathOf(l, resourceType);
      const list = literalList(r);
      if (path !== undefined && list) return { attribute: path, values: list, exact: true };
    }
    return undefined;
  }
  if (n.type === 'InequalityExpression' && l && r && n.text && NUMERIC_OPS.has(n.text)) {
    const path = pathOf(l, resourceType);
    const lit = literalOf(r);
    if (path === undefined || typeof lit !== 'number') return undefined;
    return { attribute: path, values: [{ numeric: [n.text, lit] }], exact: true };
  }
  if (n.type === 'InvocationExpression' && l && r?.type === 'FunctionInvocation') {
    const path = pathOf(l, resourceType);
    const fn = r.children?.[0];
    const params = fn?.children?.[1]?.type === 'ParamList' ? (fn.children[1].children ?? []) : [];
    if (path === undefined || !fn) return undefined;
    if (fn.text === 'exists' && params.length === 0) return { attribute: path, values: [{ exists: true }], exact: true, anyValue: true };
    if (fn.text === 'empty' && params.length === 0) return { attribute: path, values: [{ exists: false }], exact: true, anyValue: true };
    if (fn.text === 'startsWith' && params.length === 1) {
      const lit = literalOf(params[0] as FpNode);
      if (typeof lit === 'string' && lit !== '') return { attribute: path, values: [{ prefix: lit }], exact: true };
    }
  }
  return undefined;
}
