import { stringify } from 'yaml';
import type { TestExpect } from '../schemas/workflowTest';
import type { Observed } from './workflowTestEnvironment';

/** One expectation that did not hold: what was expected, what happened, and a line diff of the two. */
export interface ExpectationFailure {
  /** The `expect` key (`path`, `messages`, `outputs.plan`). */
  field: string;
  message: string;
  expected: unknown;
  actual: unknown;
  diff: string[];
}

const REGEX = /^\/(.+)\/([imsu]*)$/s;

/** Partial match: objects compare only the keys the expectation names; `"/re/"` strings are regular expressions. */
export function partialMatch(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'string') {
    const re = REGEX.exec(expected);
    if (re) return new RegExp(re[1] as string, re[2]).test(typeof actual === 'string' ? actual : (JSON.stringify(actual) ?? ''));
    return expected === actual;
  }
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => partialMatch(e, actual[i]));
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => partialMatch(v, (actual as Record<string, unknown>)[k]));
  }
  return expected === actual;
}

/** The actual value cut down to the shape of the expectation, so a diff shows only what was asked about. */
export function project(expected: unknown, actual: unknown): unknown {
  if (typeof expected === 'string' && REGEX.test(expected) && partialMatch(expected, actual)) return expected;
  if (Array.isArray(expected) && Array.isArray(actual)) return actual.map((a, i) => (i < expected.length ? project(expected[i], a) : a));
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected) && actual !== null && typeof actual === 'object' && !Array.isArray(actual)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(expected)) if (k in actual) out[k] = project((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k]);
    return out;
  }
  return actual;
}

function lines(v: unknown): string[] {
  if (v === undefined) return ['(nothing)'];
  return stringify(v, { lineWidth: 0 }).trimEnd().split('\n');
}

/** A unified-style line diff: `- expected`, `+ actual`, two spaces for lines both share. */
export function lineDiff(expected: unknown, actual: unknown): string[] {
  const a = lines(expected);
  const b = lines(actual);
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  while (i < n) out.push(`- ${a[i++]}`);
  while (j < m) out.push(`+ ${b[j++]}`);
  return out;
}

function fail(field: string, message: string, expected: unknown, actual: unknown): ExpectationFailure {
  return { field, message, expected, actual, diff: lineDiff(expected, actual) };
}

/**
 * Lists match in order, except that items that happened at the same instant (`at`) may come in any
 * order: concurrent work (a forEach with concurrency) has no order of its own. Returns the actual
 * list reordered to line up with the expectation where that makes it match.
 */
export function alignSameInstant(expected: readonly unknown[], actual: readonly object[]): object[] {
  if (expected.length !== actual.length) return [...actual];
  const out = [...actual];
  let i = 0;
  while (i < out.length) {
    const at = (out[i] as { at?: unknown }).at;
    let j = i + 1;
    while (j < out.length && at !== undefined && (out[j] as { at?: unknown }).at === at) j++;
    const group = out.slice(i, j);
    const used = new Set<number>();
    const picked: object[] = [];
    for (let k = i; k < j; k++) {
      const idx = group.findIndex((g, gi) => !used.has(gi) && partialMatch(expected[k], g));
      if (idx < 0) break;
      used.add(idx);
      picked.push(group[idx] as object);
    }
    if (picked.length === group.length) out.splice(i, group.length, ...picked);
    i = j;
  }
  return out;
}

function countOrList(field: string, expected: number | Record<string, unknown>[] | undefined, actual: readonly object[], out: ExpectationFailure[]): void {
  if (expected === undefined) return;
  if (typeof expected === 'number') {
    if (actual.length !== expected) {
      // The count, and the last few items (what came after the expected ones is usually the news).
      const tail = actual.slice(Math.max(expected, actual.length - 3));
      const more =
        actual.length > expected && tail.length
          ? [
              `  … the last ${tail.length === 1 ? '' : `${tail.length} `}of ${actual.length}:`,
              ...lineDiff(undefined, tail)
                .map((l) => `  ${l.slice(2)}`)
                .filter((l) => l.trim() !== '(nothing)'),
            ]
          : [];
      out.push({ field, message: `expected ${expected} ${field}, got ${actual.length}`, expected, actual: actual.length, diff: [...lineDiff(expected, actual.length), ...more] });
    }
    return;
  }
  const aligned = alignSameInstant(expected, actual);
  if (!partialMatch(expected, aligned))
    out.push(fail(field, actual.length === expected.length ? `${field} differ` : `expected ${expected.length} ${field}, got ${actual.length}`, expected, project(expected, aligned)));
}

/** Every expectation that does not hold (empty: the test passed). Only what `expect` names is checked. */
export function checkExpectations(expect: TestExpect, observed: Observed): ExpectationFailure[] {
  const out: ExpectationFailure[] = [];
  const wantTriggered = expect.triggered ?? true;
  if (observed.triggered !== wantTriggered) {
    out.push(
      fail(
        'triggered',
        wantTriggered ? `the trigger did not match: ${observed.reason ?? 'no execution started'}` : 'the trigger matched, but the test expects it not to',
        wantTriggered,
        observed.triggered,
      ),
    );
    return out;
  }
  const ex = observed.execution;
  if (expect.status !== undefined && ex?.status !== expect.status) {
    const why = ex?.error ? ` (step ${ex.error.step ?? '?'}: ${ex.error.error ?? ''}${ex.error.cause ? ` — ${ex.error.cause}` : ''})` : '';
    out.push(fail('status', `expected ${expect.status}, got ${ex?.status ?? 'no execution'}${why}`, expect.status, ex?.status));
  }
  if (expect.path !== undefined && !partialMatch(expect.path, ex?.path ?? [])) out.push(fail('path', 'the path taken differs', expect.path, ex?.path ?? []));
  for (const s of expect.reached ?? []) if (!ex?.path.includes(s)) out.push(fail('reached', `step ${s} was not reached`, s, ex?.path ?? []));
  for (const s of expect.notReached ?? []) if (ex?.path.includes(s)) out.push(fail('notReached', `step ${s} was reached`, `not ${s}`, ex?.path ?? []));
  for (const [step, want] of Object.entries(expect.outputs ?? {})) {
    const has = ex !== undefined && step in ex.outputs;
    if (!has) out.push(fail(`outputs.${step}`, `step ${step} has no output (not reached or still running)`, want, undefined));
    else if (!partialMatch(want, ex.outputs[step])) out.push(fail(`outputs.${step}`, `the output of ${step} differs`, want, project(want, ex.outputs[step])));
  }
  if (expect.output !== undefined && !partialMatch(expect.output, ex?.output)) out.push(fail('output', 'the execution output differs', expect.output, project(expect.output, ex?.output)));
  if (expect.error !== undefined && !partialMatch(expect.error, ex?.error ?? {}))
    out.push(fail('error', ex?.error ? 'the error differs' : 'the execution did not fail', expect.error, project(expect.error, ex?.error ?? {})));
  countOrList('tasks', expect.tasks, observed.tasks, out);
  countOrList('messages', expect.messages, observed.messages, out);
  countOrList('schedules', expect.schedules, observed.schedules, out);
  for (const [wf, n] of Object.entries(expect.executions ?? {})) {
    const got = observed.executions[wf];
    if (got !== n) out.push(fail(`executions.${wf}`, got === undefined ? `workflow ${wf} is not loaded (add it to load:)` : `expected ${n} executions of ${wf}, got ${got}`, n, got));
  }
  return out;
}
