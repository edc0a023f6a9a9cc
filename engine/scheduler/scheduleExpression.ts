import { IANAZone } from 'luxon';
import type { ValidationIssue } from '../../schemas/errors';
import { CronSyntaxError, nextCronTime, parseAwsCron, type AwsCron } from './awsCron';
import { isValidTimeZone, resolveLocal } from '../../core/time/zonedTime';

export type ScheduleExpression =
  { kind: 'at'; year: number; month: number; day: number; hour: number; minute: number; second: number } | { kind: 'rate'; periodMs: number } | { kind: 'cron'; cron: AwsCron };

const RATE_UNITS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

export class ScheduleExpressionError extends Error {}

/** Parses `at(yyyy-mm-ddThh:mm:ss)`, `rate(n unit)` or `cron(6 fields)`; throws ScheduleExpressionError. */
export function parseScheduleExpression(expr: string): ScheduleExpression {
  const m = /^(at|rate|cron)\((.*)\)$/s.exec(expr.trim());
  if (!m) throw new ScheduleExpressionError(`'${expr}' is not at(...), rate(...) or cron(...)`);
  const [, kind, body = ''] = m;
  if (kind === 'at') {
    const a = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
    if (!a) throw new ScheduleExpressionError(`at(${body}): expected at(yyyy-mm-ddThh:mm:ss)`);
    const [year, month, day, hour, minute, second] = a.slice(1).map(Number) as [number, number, number, number, number, number];
    const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    if (probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1 || hour > 23 || minute > 59 || second > 59) {
      throw new ScheduleExpressionError(`at(${body}): not a valid date and time`);
    }
    return { kind: 'at', year, month, day, hour, minute, second };
  }
  if (kind === 'rate') {
    const r = /^\s*(\d+)\s+([a-z]+)\s*$/.exec(body);
    const unit = r ? RATE_UNITS[r[2] ?? ''] : undefined;
    if (!r || unit === undefined) throw new ScheduleExpressionError(`rate(${body}): expected rate(value minutes|hours|days)`);
    const value = Number(r[1]);
    if (value < 1) throw new ScheduleExpressionError(`rate(${body}): the value must be a positive integer`);
    return { kind: 'rate', periodMs: value * unit };
  }
  try {
    return { kind: 'cron', cron: parseAwsCron(body) };
  } catch (e) {
    if (e instanceof CronSyntaxError) throw new ScheduleExpressionError(`cron(${body}): ${e.message}`);
    throw e;
  }
}

/**
 * Pure validation for the compiler and the scheduler: every problem with an expression and its
 * time zone, as issues (empty when valid). Paths are `ScheduleExpression` / `ScheduleExpressionTimezone`.
 */
export function validateScheduleExpression(expr: string, timezone?: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (expr.length > 256) issues.push({ path: 'ScheduleExpression', message: 'must be at most 256 characters' });
  try {
    parseScheduleExpression(expr);
  } catch (e) {
    if (!(e instanceof ScheduleExpressionError)) throw e;
    issues.push({ path: 'ScheduleExpression', message: `Invalid Schedule Expression ${e.message}` });
  }
  if (timezone !== undefined && !isValidTimeZone(timezone)) {
    issues.push({ path: 'ScheduleExpressionTimezone', message: `'${timezone}' is not a valid IANA time zone (e.g. America/New_York)` });
  }
  return issues;
}

export interface OccurrenceWindow {
  /** Recurring schedules only: no fire before it. For rate(), also the anchor of the series. */
  startDate?: number | undefined;
  /** Recurring schedules only: no fire after it. */
  endDate?: number | undefined;
  /** rate() anchor when there is no startDate (the schedule's creation time). */
  anchor?: number | undefined;
}

/** The instant of an at() expression in its zone (a spring-forward gap moves it forward by the gap). */
export function atInstant(e: Extract<ScheduleExpression, { kind: 'at' }>, zone: IANAZone): number {
  return resolveLocal(zone, e.year, e.month, e.day, e.hour, e.minute, e.second).epochMs;
}

/** The first occurrence at or after `fromMs` (strictly after when `inclusive` is false), or undefined. */
export function nextOccurrence(e: ScheduleExpression, zone: IANAZone, fromMs: number, inclusive: boolean, window: OccurrenceWindow = {}): number | undefined {
  if (e.kind === 'at') {
    // AWS ignores StartDate and EndDate for one-time schedules.
    const t = atInstant(e, zone);
    return t > fromMs || (inclusive && t === fromMs) ? t : undefined;
  }
  const start = window.startDate;
  let t: number | undefined;
  if (e.kind === 'rate') {
    const anchor = start ?? window.anchor ?? fromMs;
    if (anchor > fromMs || (inclusive && anchor === fromMs)) t = anchor;
    else {
      let k = Math.floor((fromMs - anchor) / e.periodMs);
      while (anchor + k * e.periodMs < fromMs || (!inclusive && anchor + k * e.periodMs === fromMs)) k += 1;
      t = anchor + k * e.periodMs;
    }
  } else {
    const startsLater = start !== undefined && start > fromMs;
    t = nextCronTime(e.cron, zone, startsLater ? start : fromMs, startsLater ? true : inclusive);
  }
  if (t !== undefined && window.endDate !== undefined && t > window.endDate) return undefined;
  return t;
}

/**
 * Pure: the next `count` fire times of an expression in an IANA zone, from `from` (inclusive),
 * honouring StartDate/EndDate as AWS does (ignored for at()). Flexible windows are not applied.
 */
export function nextFireTimes(expr: string, tz: string, from: Date | number, count: number, window: { startDate?: Date | number | undefined; endDate?: Date | number | undefined } = {}): Date[] {
  if (!isValidTimeZone(tz)) throw new ScheduleExpressionError(`'${tz}' is not a valid IANA time zone`);
  const zone = IANAZone.create(tz);
  const e = parseScheduleExpression(expr);
  const w: OccurrenceWindow = {
    startDate: window.startDate === undefined ? undefined : +window.startDate,
    endDate: window.endDate === undefined ? undefined : +window.endDate,
    anchor: +from,
  };
  const out: Date[] = [];
  let t = nextOccurrence(e, zone, +from, true, w);
  while (t !== undefined && out.length < count) {
    out.push(new Date(t));
    t = nextOccurrence(e, zone, t, false, w);
  }
  return out;
}
