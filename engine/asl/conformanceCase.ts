/**
 * The shared ASL conformance case format (`../shared/conformance/asl/README.md`) and its comparison
 * rules, for the CLI's runner (engine/interpreter/conformance) and this folder's own tests.
 */
import { readFileSync } from 'node:fs';

export interface AslCase {
  id: string;
  category: string;
  definition: Record<string, unknown>;
  input: unknown;
  expected: { status: string; output?: unknown; error?: string; cause?: string };
  historyTypes?: string[];
  lambda?: { states?: Record<string, LambdaBehaviour> };
  placeholders?: string[];
  context?: { StateMachine?: { Id?: string; Name?: string }; Execution?: { RoleArn?: string } };
  stateMachineType?: 'STANDARD' | 'EXPRESS';
  causeIsJson?: boolean;
}

export interface LambdaBehaviour {
  behavior: string;
  value?: unknown;
  count?: number;
  cause?: string;
  seconds?: number;
  integration?: 'direct' | 'service';
  function?: string;
}

export function readAslCases(file: string): AslCase[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AslCase);
}

/**
 * The README's comparison rules: deep equality with key order irrelevant and 1.0 == 1; an expected
 * string equal to a placeholder token matches any value; an expected string containing tokens
 * matches when its literal parts are equal and each token covers at least one character.
 */
export function matchesExpected(expected: unknown, actual: unknown, tokens: readonly string[]): boolean {
  if (typeof expected === 'string' && tokens.length > 0) {
    if (tokens.includes(expected)) return true;
    const present = tokens.filter((t) => expected.includes(t));
    if (present.length > 0) {
      if (typeof actual !== 'string') return false;
      return tokenPattern(expected, present).test(actual);
    }
  }
  if (expected === null || typeof expected !== 'object') return expected === actual;
  if (actual === null || typeof actual !== 'object') return false;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((e, i) => matchesExpected(e, actual[i], tokens));
  }
  if (Array.isArray(actual)) return false;
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const keys = Object.keys(e);
  if (keys.length !== Object.keys(a).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(a, k) && matchesExpected(e[k], a[k], tokens));
}

function tokenPattern(expected: string, tokens: readonly string[]): RegExp {
  const escaped = tokens.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).sort((x, y) => y.length - x.length);
  const parts = expected.split(new RegExp(`(${escaped.join('|')})`));
  const body = parts.map((p, i) => (i % 2 === 1 ? '.+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}
