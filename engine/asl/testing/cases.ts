/**
 * Test support: load the shared ASL conformance cases and compare outputs under the README's
 * placeholder rules. Used by this folder's tests only.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface AslCase {
  id: string;
  category: string;
  definition: Record<string, unknown>;
  input: unknown;
  expected: { status: string; output?: unknown; error?: string; cause?: string };
  features: string[];
  placeholders?: string[];
  stateMachineType?: string;
  context?: { StateMachine?: { Id?: string; Name?: string }; Execution?: { RoleArn?: string } };
}

export function sharedDir(): string {
  return process.env.CLINFLOW_SHARED ?? path.resolve(__dirname, '..', '..', '..', '..', 'shared');
}

let cached: AslCase[] | undefined;
export function loadCases(): AslCase[] {
  cached ??= fs
    .readFileSync(path.join(sharedDir(), 'conformance', 'asl', 'cases.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AslCase);
  return cached;
}

/** Deep equality where expected strings that are (or contain) placeholder tokens act as wildcards. */
export function matches(expected: unknown, actual: unknown, tokens: readonly string[]): boolean {
  if (typeof expected === 'string' && tokens.length) {
    if (tokens.includes(expected)) return true;
    if (tokens.some((t) => expected.includes(t))) {
      if (typeof actual !== 'string') return false;
      const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const re = new RegExp(
        '^' + expected.split(new RegExp(`(${tokens.map(esc).join('|')})`)).map((p) => (tokens.includes(p) ? '.+' : esc(p))).join('') + '$',
        's',
      );
      return re.test(actual);
    }
  }
  if (expected === actual) return true;
  if (typeof expected !== 'object' || typeof actual !== 'object' || expected === null || actual === null) return false;
  if (Array.isArray(expected) !== Array.isArray(actual)) return false;
  if (Array.isArray(expected)) {
    const a = actual as unknown[];
    return expected.length === a.length && expected.every((e, i) => matches(e, a[i], tokens));
  }
  const ke = Object.keys(expected);
  const ka = Object.keys(actual);
  if (ke.length !== ka.length) return false;
  return ke.every(
    (k) => Object.prototype.hasOwnProperty.call(actual, k) && matches((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], tokens),
  );
}
