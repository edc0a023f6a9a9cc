import jsonata from 'jsonata';
import { JSONATA_FUNCTIONS } from '../schemas/jsonataFunctions';

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

type Parsed = { ast: AstNode } | { problem: ExpressionProblem };

/** Parses of the compile in progress: checking and emitting both parse every expression; once is enough. */
let parses: Map<string, Parsed> | undefined;

/** Runs `fn` with each distinct expression parsed at most once (the ASTs are only read), then forgets them. */
export function withParseCache<T>(fn: () => T): T {
  const outer = parses;
  parses = outer ?? new Map();
  try {
    return fn();
  } finally {
    parses = outer;
  }
}

/** Parses JSONata; returns the AST or the parser's complaint. */
export function parseJsonata(body: string): Parsed {
  const hit = parses?.get(body);
  if (hit) return hit;
  let out: Parsed;
  try {
    out = { ast: jsonata(body).ast() as AstNode };
  } catch (e) {
    const err = e as { message?: string; position?: number; token?: string };
    const problem: ExpressionProblem = { message: `JSONata syntax error: ${err.message ?? String(e)}` };
    if (typeof err.position === 'number') problem.offset = err.position;
    out = { problem };
  }
  parses?.set(body, out);
  return out;
}

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
  for (const name of [...refs.keys()]) if (JSONATA_FUNCTIONS.has(name)) refs.delete(name);
  return refs;
}

/**
 * Every call of a `$name(…)` that the expression does not bind itself (`$f := function…`, a lambda
 * parameter): name → 0-based start offsets of the `$`. The compiler checks these names against the
 * runtime's function set.
 */
export function functionCalls(ast: AstNode): Map<string, number[]> {
  const calls = new Map<string, number[]>();
  const bound = new Set<string>();
  walkAst(ast, (n) => {
    if (n.type === 'bind' && isVariable(n.lhs)) bound.add(String(n.lhs.value));
    if (n.type === 'lambda' && Array.isArray(n.arguments)) for (const a of n.arguments) if (isVariable(a)) bound.add(String(a.value));
    if ((n.type === 'function' || n.type === 'partial') && isVariable(n.procedure) && typeof n.procedure.position === 'number') {
      const name = n.procedure.value;
      const list = calls.get(name) ?? [];
      list.push(n.procedure.position - name.length - 1);
      calls.set(name, list);
    }
  });
  for (const b of bound) calls.delete(b);
  return calls;
}

/**
 * `$fromMillis(ms, picture, tz)` and `$now(picture, tz)` take a UTC offset picture (`+0100`), not an
 * IANA zone: given `'Europe/Berlin'`, jsonata renders "NaN:NaN". Returns the literal zones passed
 * that are not offsets, with the offset of the string literal.
 */
export function badZoneArguments(ast: AstNode): { fn: string; zone: string; offset: number }[] {
  const out: { fn: string; zone: string; offset: number }[] = [];
  const zoneArg: Record<string, number> = { fromMillis: 2, now: 1 };
  walkAst(ast, (n) => {
    if (n.type !== 'function' || !isVariable(n.procedure) || !Array.isArray(n.arguments)) return;
    const at = zoneArg[n.procedure.value];
    const arg = at === undefined ? undefined : (n.arguments[at] as AstNode | undefined);
    if (arg?.type === 'string' && typeof arg.value === 'string' && !/^[+-]\d{4}$/.test(arg.value) && typeof arg.position === 'number') {
      out.push({ fn: n.procedure.value, zone: arg.value, offset: arg.position - arg.value.length - 2 });
    }
  });
  return out;
}

/** Calls `visit` on every node of a JSONata AST, depth first. */
function walkAst(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walkAst(n, visit);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  visit(node as AstNode);
  for (const v of Object.values(node)) if (typeof v === 'object' && v !== null) walkAst(v, visit);
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
