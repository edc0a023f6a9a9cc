import jsonata from 'jsonata';

/** `{% … %}` wrapping a whole string: an expression ASL evaluates at run time. */
const WHOLE = /^\s*\{%([\s\S]*)%\}\s*$/;

export function isExpression(s: unknown): boolean {
  return typeof s === 'string' && WHOLE.test(s);
}

export function expressionBody(s: string): string {
  return WHOLE.exec(s)?.[1] ?? s;
}

/** A string with `{% … %}` inside other text: "Potassium {% $k %} mmol/L". */
export function isTemplate(s: unknown): boolean {
  return typeof s === 'string' && s.includes('{%') && !WHOLE.test(s);
}

/** The template's parts, for checking and for turning it into one JSONata `&` concatenation. */
export function templateParts(s: string): { literal: string; expr?: string }[] | { error: string } {
  const parts: { literal: string; expr?: string }[] = [];
  let rest = s;
  for (;;) {
    const open = rest.indexOf('{%');
    if (open < 0) {
      parts.push({ literal: rest });
      return parts;
    }
    const close = rest.indexOf('%}', open + 2);
    if (close < 0) return { error: "'{%' without a closing '%}'" };
    parts.push({ literal: rest.slice(0, open), expr: rest.slice(open + 2, close) });
    rest = rest.slice(close + 2);
  }
}

function jsonataString(s: string): string {
  return JSON.stringify(s);
}

/** JSONata for a template: literals joined to `$string(expr)` with `&` (undefined becomes ""). */
export function templateToJsonata(parts: readonly { literal: string; expr?: string }[]): string {
  const pieces: string[] = [];
  for (const p of parts) {
    if (p.literal) pieces.push(jsonataString(p.literal));
    if (p.expr !== undefined) pieces.push(`$string((${p.expr.trim()}))`);
  }
  return pieces.length ? pieces.join(' & ') : '""';
}

export interface ExpressionProblem {
  message: string;
  /** 0-based offset into the expression body when the parser says where. */
  offset?: number;
}

interface AstNode {
  type?: string;
  value?: unknown;
  position?: number;
  [k: string]: unknown;
}

/** Parses JSONata; returns the AST or the parser's complaint. */
export function parseJsonata(body: string): { ast: AstNode } | { problem: ExpressionProblem } {
  try {
    return { ast: jsonata(body).ast() as AstNode };
  } catch (e) {
    const err = e as { message?: string; position?: number; token?: string };
    const problem: ExpressionProblem = { message: `JSONata syntax error: ${err.message ?? String(e)}` };
    if (typeof err.position === 'number') problem.offset = err.position;
    return { problem };
  }
}

/** JSONata's own functions and the ones Step Functions adds; `$name(…)` calls to these are not variables. */
const BUILTINS = new Set(
  (
    'sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim pad ' +
    'formatNumber formatBase formatInteger parseInteger number abs floor ceil round power sqrt random millis toMillis ' +
    'fromMillis now boolean not exists match contains split join replace eval base64encode base64decode encodeUrlComponent ' +
    'encodeUrl decodeUrlComponent decodeUrl zip append reverse shuffle distinct sort filter map reduce each merge keys ' +
    'lookup spread sift single type error assert partition range hash uuid parse'
  ).split(' '),
);

/** Where each variable is referenced: name → 0-based start offsets in the body. Locally bound names are left out. */
export function variableReferences(ast: AstNode): Map<string, number[]> {
  const refs = new Map<string, number[]>();
  const bound = new Set<string>();
  const visit = (node: unknown, parentKey: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, parentKey);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as AstNode;
    if (n.type === 'bind' && isVariable(n.lhs)) bound.add(String(n.lhs.value));
    if (n.type === 'lambda' && Array.isArray(n.arguments)) for (const a of n.arguments) if (isVariable(a)) bound.add(String(a.value));
    if (n.type === 'variable' && typeof n.value === 'string' && n.value !== '' && parentKey !== 'procedure' && typeof n.position === 'number') {
      const list = refs.get(n.value) ?? [];
      list.push(n.position - n.value.length - 1);
      refs.set(n.value, list);
    }
    for (const [k, v] of Object.entries(n)) if (typeof v === 'object' && v !== null) visit(v, k);
  };
  visit(ast, undefined);
  for (const b of bound) refs.delete(b);
  for (const name of [...refs.keys()]) if (BUILTINS.has(name)) refs.delete(name);
  return refs;
}

function isVariable(v: unknown): v is AstNode & { value: string } {
  return typeof v === 'object' && v !== null && (v as AstNode).type === 'variable';
}

/**
 * `$event` is the trigger event, i.e. the execution input; ASL has it as `$states.context.Execution.Input`
 * in every state and every Map/Parallel scope, so the compiler rewrites the token (never inside strings).
 */
export function rewriteEvent(body: string, ast: AstNode): string {
  const starts = variableReferences(ast).get('event') ?? [];
  let out = body;
  for (const start of [...starts].sort((a, b) => b - a)) {
    if (out.slice(start, start + 6) !== '$event') continue;
    out = `${out.slice(0, start)}$states.context.Execution.Input${out.slice(start + 6)}`;
  }
  return out;
}
