import { readFile } from 'node:fs/promises';
import { summarize, type ConformanceCaseResult, type ConformanceSummary } from '../../../schemas/conformance';
import { WorkflowError } from '../../../schemas/errors';
import type { FhirTiming } from '../timing/fhirTiming';
import { expandTiming } from '../timing/expandTiming';

/** One vector of `../shared/conformance/timing/vectors.json` (and files in the same shape). */
export interface TimingVector {
  name: string;
  timing: FhirTiming;
  start: string;
  timezone: string;
  policy?: string;
  /** Expected instants (UTC). A finite series (count or bounds) must match exactly; an open one by prefix. */
  expected?: string[] | string | { error: string };
  /** An expected error name (e.g. Reminder.InvalidTiming), for vectors that must be rejected. */
  expectedError?: string;
  error?: string;
  horizonEnd?: string;
  asNeeded?: boolean;
  dosage?: { asNeededBoolean?: boolean; asNeededCodeableConcept?: unknown };
}

/**
 * The vector's feature group, from its fields first (the most specific feature wins), then its name:
 * invariants, as-needed, count, bounds, day-of-week, event-timing, elapsed, code, dst, time-of-day, event, frequency.
 */
export function timingCategory(v: TimingVector): string {
  const r = v.timing.repeat;
  const name = v.name.toLowerCase();
  if (expectedErrorOf(v) !== undefined || /invariant|invalid|reject/.test(name)) return 'invariants';
  if (v.asNeeded || v.dosage?.asNeededBoolean || /as ?needed|\bprn\b/.test(name)) return 'as-needed';
  if (r?.count !== undefined) return 'count';
  if (r?.boundsPeriod || r?.boundsDuration || r?.boundsRange) return 'bounds';
  if (r?.dayOfWeek?.length) return 'day-of-week';
  if (r?.when?.length) return 'event-timing';
  if (r && ['s', 'min', 'h'].includes(r.periodUnit ?? '') && !r.timeOfDay?.length) return 'elapsed';
  if (!r && v.timing.code) return 'code';
  if (/\bdst\b|daylight|spring-forward|fall-back|nonexistent|ambiguous/.test(name)) return 'dst';
  if (r?.timeOfDay?.length) return 'time-of-day';
  if (!r && v.timing.event?.length) return 'event';
  return 'frequency';
}

/** An expected rejection, in any of the shapes a vector file may use. */
function expectedErrorOf(v: TimingVector): string | undefined {
  const e = v.expected as unknown;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && !Array.isArray(e)) return (e as { error?: string }).error;
  const alt = v as { expectError?: string; expectedErrorName?: string; throws?: string };
  return v.expectedError ?? v.error ?? alt.expectError ?? alt.expectedErrorName ?? alt.throws;
}

/** Field names a vector file may use for the zone and the horizon, beyond the shared file's own. */
function aliases(v: TimingVector): { timezone: string; start: string; horizonEnd: string | undefined } {
  const a = v as { timeZone?: string; tz?: string; zone?: string; from?: string; horizon?: string; until?: string; end?: string };
  return {
    timezone: v.timezone ?? a.timeZone ?? a.tz ?? a.zone ?? '',
    start: v.start ?? a.from ?? '',
    horizonEnd: v.horizonEnd ?? a.horizon ?? a.until ?? a.end,
  };
}

const isFinite = (v: TimingVector) => {
  const r = v.timing.repeat;
  return r?.count !== undefined || r?.boundsPeriod?.end !== undefined || r?.boundsDuration !== undefined || r?.boundsRange?.high !== undefined;
};

export function runTimingVector(v: TimingVector): ConformanceCaseResult {
  const category = timingCategory(v);
  const wantError = expectedErrorOf(v);
  const expected = Array.isArray(v.expected) ? v.expected : [];
  const asNeeded = v.asNeeded ?? v.dosage?.asNeededBoolean ?? v.dosage?.asNeededCodeableConcept !== undefined;
  try {
    const finite = isFinite(v);
    const { timezone, start, horizonEnd } = aliases(v);
    const got = expandTiming(v.timing, {
      start,
      timezone,
      horizonEnd,
      asNeeded,
      // An open-ended series is compared on the vector's prefix; a finite one in full.
      // (An expected empty list is checked with one instant of room, so "nothing" is really nothing.)
      limit: finite || horizonEnd !== undefined ? undefined : Math.max(expected.length, 1),
    });
    if (wantError !== undefined) return { id: v.name, category, passed: false, reason: `expected ${wantError}, got ${got.length} instants` };
    const norm = (s: string) => new Date(s).toISOString();
    const same = got.length === expected.length && got.every((g, i) => norm(g) === norm(expected[i] ?? ''));
    return same ? { id: v.name, category, passed: true } : { id: v.name, category, passed: false, reason: `expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}` };
  } catch (err) {
    const name = err instanceof WorkflowError ? err.error : err instanceof Error ? err.name : 'Error';
    if (wantError !== undefined && name === wantError) return { id: v.name, category, passed: true };
    return { id: v.name, category, passed: false, reason: `${name}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export async function runTimingConformanceDetailed(file: string): Promise<ConformanceCaseResult[]> {
  const vectors = JSON.parse(await readFile(file, 'utf8')) as TimingVector[] | { vectors: TimingVector[] };
  return (Array.isArray(vectors) ? vectors : vectors.vectors).map(runTimingVector);
}

/** Runs Timing vectors (Timing + start + zone → UTC instants) and summarises them by feature group. */
export async function runTimingConformance(file: string): Promise<ConformanceSummary> {
  return summarize(await runTimingConformanceDetailed(file));
}
