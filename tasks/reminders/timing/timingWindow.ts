import { DateTime, type IANAZone } from 'luxon';
import { ReminderError } from '../../../schemas/errors';
import { localToInstant } from '../../../core/time/zonedTime';

export interface FhirDuration {
  value?: number;
  unit?: string;
  code?: string;
  system?: string;
}

export interface ReminderWindow {
  start: number;
  /** undefined: open-ended. */
  end: number | undefined;
  /** The end came from boundsDuration: t < end; otherwise t ≤ end. */
  endExclusive: boolean;
}

const UNIT_ALIASES: Record<string, string> = {
  s: 's',
  sec: 's',
  second: 's',
  seconds: 's',
  min: 'min',
  minute: 'min',
  minutes: 'min',
  h: 'h',
  hr: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
  wk: 'wk',
  week: 'wk',
  weeks: 'wk',
  mo: 'mo',
  month: 'mo',
  months: 'mo',
  a: 'a',
  yr: 'a',
  year: 'a',
  years: 'a',
};

export function normalizeUnit(unit: string | undefined): string | undefined {
  return unit === undefined ? undefined : (UNIT_ALIASES[unit] ?? UNIT_ALIASES[unit.toLowerCase()]);
}

export const ELAPSED_UNIT_MS: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000 };

/** A FHIR date/dateTime as the first (or, for `end`, the last) instant it covers, in the patient's zone (P2). */
export function fhirDateTimeBound(value: string, zone: IANAZone, edge: 'start' | 'end'): number {
  const partial = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(value);
  if (partial) {
    const y = Number(partial[1]);
    const m = partial[2] === undefined ? undefined : Number(partial[2]);
    const d = partial[3] === undefined ? undefined : Number(partial[3]);
    if (edge === 'start') return localToInstant(zone, y, m ?? 1, d ?? 1, 0);
    // The end of a date-only bound is the end of that local day (month, year), inclusive.
    const next = DateTime.fromObject({ year: y, month: m ?? 1, day: d ?? 1 }, { zone: 'UTC' }).plus(d !== undefined ? { days: 1 } : m !== undefined ? { months: 1 } : { years: 1 });
    return localToInstant(zone, next.year, next.month, next.day, 0) - 1;
  }
  const hasOffset = /(Z|[+-]\d{2}:\d{2})$/.test(value);
  const dt = hasOffset ? DateTime.fromISO(value, { setZone: true }) : DateTime.fromISO(value, { zone });
  if (!dt.isValid) throw new ReminderError('Reminder.InvalidTiming', `boundsPeriod.${edge} '${value}' is not a FHIR dateTime`);
  return dt.toMillis();
}

/** effectiveStart + a FHIR Duration: calendar units on the local calendar, s/min/h as elapsed time (P2). */
export function addDuration(startMs: number, duration: FhirDuration, zone: IANAZone, where: string): number {
  const unit = normalizeUnit(duration.code ?? duration.unit);
  const value = duration.value;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ReminderError('Reminder.InvalidTiming', `${where}.value must be a non-negative number`);
  if (unit === undefined) throw new ReminderError('Reminder.InvalidTiming', `${where} needs a unit (s, min, h, d, wk, mo, a)`);
  const elapsed = ELAPSED_UNIT_MS[unit];
  if (elapsed !== undefined) return startMs + value * elapsed;
  const local = DateTime.fromMillis(startMs, { zone });
  const key = ({ d: 'days', wk: 'weeks', mo: 'months', a: 'years' } as const)[unit as 'd' | 'wk' | 'mo' | 'a'];
  const whole = Math.trunc(value);
  let t = local.plus({ [key]: whole });
  const frac = value - whole;
  if (frac > 0) t = t.plus({ milliseconds: frac * (local.plus({ [key]: whole + 1 }).toMillis() - t.toMillis()) });
  // Re-resolve on the wall clock so the result keeps the local time across a DST change.
  return localToInstant(zone, t.year, t.month, t.day, t.hour * 60 + t.minute) + t.second * 1000 + t.millisecond;
}

/** P2: the window a Timing's reminders must fall in. */
export function reminderWindow(
  start: number,
  bounds: { boundsPeriod?: { start?: string; end?: string }; boundsDuration?: FhirDuration; boundsRange?: { high?: FhirDuration } },
  zone: IANAZone,
): ReminderWindow {
  let effStart = start;
  if (bounds.boundsPeriod?.start !== undefined) effStart = Math.max(effStart, fhirDateTimeBound(bounds.boundsPeriod.start, zone, 'start'));
  let end: number | undefined;
  let endExclusive = false;
  if (bounds.boundsPeriod?.end !== undefined) end = fhirDateTimeBound(bounds.boundsPeriod.end, zone, 'end');
  const duration = bounds.boundsDuration ?? bounds.boundsRange?.high;
  if (duration !== undefined) {
    const durEnd = addDuration(effStart, duration, zone, bounds.boundsDuration ? 'boundsDuration' : 'boundsRange.high');
    if (end === undefined || durEnd <= end) {
      end = durEnd;
      endExclusive = true;
    }
  }
  return { start: effStart, end, endExclusive };
}
