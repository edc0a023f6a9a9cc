import { DateTime, IANAZone } from 'luxon';
import { ReminderError } from '../../../schemas/errors';
import type { FhirTiming, TimingRepeat } from './fhirTiming';
import { GTS_ABBREVIATION_SYSTEM, reminderPolicyV1_1, type ReminderPolicy } from './reminderPolicy';
import { checkTimingInvariants } from './timingInvariants';
import { ELAPSED_UNIT_MS, fhirDateTimeBound, normalizeUnit, reminderWindow, type ReminderWindow } from './timingWindow';
import { isValidTimeZone, localToInstant } from '../../../core/time/zonedTime';

export interface ExpandTimingOptions {
  /**
   * The series' start (the order's start, not the planning time). With boundsPeriod.start it gives
   * effectiveStart (P2), from which QOD parity, the WK weekday, the MO day and count are counted (C1).
   */
  start: string | number | Date;
  /** The patient's IANA zone. */
  timezone: string;
  /** Inclusive upper bound of the instants returned (a planning horizon). */
  horizonEnd?: string | number | Date | undefined;
  policy?: ReminderPolicy | undefined;
  /** At most this many instants (needed for an open-ended series without horizonEnd). */
  limit?: number | undefined;
  /** Dosage.asNeeded: no scheduled reminders (P4). */
  asNeeded?: boolean | undefined;
}

type Series = { kind: 'none' } | { kind: 'elapsed'; stepMs: number } | { kind: 'wall'; unit: 'd' | 'wk' | 'mo' | 'a'; every: number; minutes: number[]; weekdays: Set<number> | undefined };

const invalid = (message: string): never => {
  throw new ReminderError('Reminder.InvalidTiming', message);
};

const DAY_CODES: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };
const MEALS: Record<string, string> = { M: 'CM', D: 'CD', V: 'CV' };
const DEFAULT_LIMIT = 10_000;

const toMs = (v: string | number | Date): number => (typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : v.getTime());

function parseClock(text: string, where: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?$/.exec(text);
  if (!m) return invalid(`P3(a): ${where} '${text}' is not a time (hh:mm:ss)`);
  return Number(m[1]) * 60 + Number(m[2]); // P1: whole minutes
}

/** `repeat.when` codes → minutes after local midnight (may leave the day when an offset is large). */
function whenMinutes(when: readonly string[], offset: number | undefined, policy: ReminderPolicy): number[] {
  const out: number[] = [];
  const clock = (code: string) => {
    const t = policy.eventTimes[code];
    return t === undefined ? invalid(`P3(b): repeat.when '${code}' is not an EventTiming code this policy knows`) : parseClock(t, `policy time for ${code}`);
  };
  for (const code of when) {
    const expanded = code === 'C' ? ['CM', 'CD', 'CV'] : code === 'AC' ? ['ACM', 'ACD', 'ACV'] : code === 'PC' ? ['PCM', 'PCD', 'PCV'] : [code];
    for (const c of expanded) {
      const meal = /^(AC|PC)([MDV])$/.exec(c);
      if (meal) {
        const base = clock(MEALS[meal[2] ?? ''] ?? '');
        const off = offset ?? policy.mealOffsetMinutes;
        out.push(meal[1] === 'AC' ? base - off : base + off);
      } else out.push(clock(c) + (offset ?? 0));
    }
  }
  return out;
}

function weekdaysOf(repeat: TimingRepeat | undefined): Set<number> | undefined {
  if (!repeat?.dayOfWeek || repeat.dayOfWeek.length === 0) return undefined;
  return new Set(repeat.dayOfWeek.map((d) => DAY_CODES[d] ?? invalid(`P3: repeat.dayOfWeek '${d}' is not mon…sun`)));
}

function fromCode(timing: FhirTiming, repeat: TimingRepeat | undefined, policy: ReminderPolicy): Series {
  const codings = timing.code?.coding ?? [];
  const known = codings.find((c) => (c.system === undefined || c.system === GTS_ABBREVIATION_SYSTEM) && c.code !== undefined && policy.codes[c.code]);
  if (!known?.code) {
    const named = codings
      .map((c) => c.code)
      .filter(Boolean)
      .join(', ');
    return invalid(named ? `P6: Timing.code '${named}' is not a shortcut this policy knows` : 'C5: Timing has neither a repeat that defines a schedule, a code nor an event');
  }
  const sc = policy.codes[known.code]!;
  const minutes = sc.times.map((t) => parseClock(t, `policy time for ${known.code}`));
  // Hourly codes are the institution's fixed daily wall-clock slots, not an elapsed series.
  const unit = sc.periodUnit === 'h' ? 'd' : sc.periodUnit;
  return { kind: 'wall', unit, every: sc.periodUnit === 'h' ? 1 : sc.period, minutes, weekdays: weekdaysOf(repeat) };
}

/** P3 + P4 + P6 + C5: what kind of series a Timing describes. */
function resolveSeries(timing: FhirTiming, policy: ReminderPolicy): Series {
  const r = timing.repeat;
  // C5: a repeat with no frequency, period, times or when (only bounds, count, dayOfWeek) does not
  // define a schedule; a code beside it does, and the repeat's bounds, count and dayOfWeek apply.
  const definesSchedule = r && (r.period !== undefined || r.frequency !== undefined || (r.when?.length ?? 0) > 0 || (r.timeOfDay?.length ?? 0) > 0);
  if (!definesSchedule && timing.code) return fromCode(timing, r, policy);
  // A lone periodUnit (no code) still reads as once per that unit, as in version 1.
  if (!definesSchedule && r?.periodUnit === undefined) {
    if ((timing.event?.length ?? 0) > 0) return { kind: 'none' };
    return invalid('C5: Timing has no repeat frequency, period, when or timeOfDay, no code and no event to plan from');
  }
  const unit = normalizeUnit(r.periodUnit) ?? (r.periodUnit === undefined ? 'd' : invalid(`P3: repeat.periodUnit '${r.periodUnit}' is not s, min, h, d, wk, mo or a`));
  const period = r.periodMax ?? r.period ?? 1; // P4: the least frequent reading
  const frequency = r.frequency ?? 1;
  const weekdays = weekdaysOf(r);
  let minutes: number[] | undefined;
  if (r.timeOfDay && r.timeOfDay.length > 0) minutes = r.timeOfDay.map((t) => parseClock(t, 'repeat.timeOfDay'));
  else if (r.when && r.when.length > 0) minutes = whenMinutes(r.when, r.offset, policy);

  const elapsedMs = ELAPSED_UNIT_MS[unit];
  if (elapsedMs !== undefined) {
    if (minutes) return { kind: 'wall', unit: 'd', every: 1, minutes, weekdays };
    return { kind: 'elapsed', stepMs: (period * elapsedMs) / frequency };
  }
  if (unit === 'd') {
    if (!minutes && !Number.isInteger(period)) return { kind: 'elapsed', stepMs: (period * 86_400_000) / frequency };
    if (!minutes) {
      const defaults = policy.defaultTimesByFrequency[frequency];
      if (!defaults) {
        const most = Math.max(...Object.keys(policy.defaultTimesByFrequency).map(Number));
        return invalid(`P3(d): more than ${most} a day needs timeOfDay (frequency ${frequency} per ${period} d, and the policy has default times for at most ${most})`);
      }
      minutes = defaults.map((t) => parseClock(t, 'policy default time'));
    }
    if (!Number.isInteger(period)) return invalid(`P3(d): repeat.period ${period} d must be a whole number of days when times are given`);
    return { kind: 'wall', unit: 'd', every: period, minutes, weekdays };
  }
  if (!Number.isInteger(period)) return invalid(`P3(e,f): repeat.period ${period} ${unit} must be a whole number`);
  // C6: a weekly, monthly or yearly series with no timeOfDay or when is at 09:00 local.
  minutes ??= [parseClock(policy.defaultTimeForLongPeriods, 'policy default time')];
  return { kind: 'wall', unit: unit as 'wk' | 'mo' | 'a', every: period, minutes, weekdays };
}

const epochDay = (y: number, m: number, d: number) => Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
/** ISO weekday (1 = Monday … 7 = Sunday) of an epoch day. */
const isoWeekday = (day: number) => ((((day + 3) % 7) + 7) % 7) + 1;

const toMinute = (t: number): number => Math.floor(t / 60_000) * 60_000;

function inWindow(t: number, w: ReminderWindow): boolean {
  if (t < w.start) return false;
  return w.end === undefined || (w.endExclusive ? t < w.end : t <= w.end);
}

/**
 * The reminders a series yields, as it is generated: each slot truncated to its minute first (C2),
 * then tested against the window (P2), and kept once however many slots land on it (C3), so the
 * size is the count P7 sees.
 */
class Reminders {
  readonly instants = new Set<number>();
  constructor(private readonly window: ReminderWindow) {}
  add(slot: number): void {
    const t = toMinute(slot);
    if (inWindow(t, this.window)) this.instants.add(t);
  }
  get size(): number {
    return this.instants.size;
  }
}

function wallSeries(s: Extract<Series, { kind: 'wall' }>, w: ReminderWindow, zone: IANAZone, stopAt: number | undefined, want: number, out: Reminders): void {
  const local = DateTime.fromMillis(w.start, { zone });
  const startDay = epochDay(local.year, local.month, local.day);
  const startWeek = startDay - (isoWeekday(startDay) - 1);
  const minutes = [...s.minutes].sort((a, b) => a - b);
  const minMinute = minutes[0] ?? 0;
  const maxMinute = minutes[minutes.length - 1] ?? 0;
  const weekdays = s.unit === 'wk' ? (s.weekdays ?? new Set([isoWeekday(startDay)])) : s.weekdays;
  let enoughAt: number | undefined;
  // Anchor days before the start can still yield reminders after it when an offset crosses midnight.
  for (let day = startDay - Math.ceil(Math.max(0, maxMinute) / 1440) - 1; ; day++) {
    if (stopAt !== undefined && day * 86_400_000 - 50_400_000 + minMinute * 60_000 > stopAt) break;
    if (enoughAt !== undefined && day > enoughAt + 3) break;
    const date = new Date(day * 86_400_000);
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    // C9: `day` is the event's day, so the dayOfWeek filter tests it even when an offset moves the slot past midnight.
    if (weekdays && !weekdays.has(isoWeekday(day))) continue;
    const idx = s.unit === 'd' ? day - startDay : s.unit === 'wk' ? Math.floor((day - startWeek) / 7) : s.unit === 'mo' ? (y - local.year) * 12 + (m - local.month) : y - local.year;
    if (((idx % s.every) + s.every) % s.every !== 0) continue;
    if (s.unit === 'mo' && d !== Math.min(local.day, daysInMonth(y, m))) continue;
    if (s.unit === 'a' && (m !== local.month || d !== Math.min(local.day, daysInMonth(y, m)))) continue;
    for (const mi of minutes) out.add(localToInstant(zone, y, m, d, mi));
    if (enoughAt === undefined && out.size >= want) enoughAt = day;
    if (stopAt === undefined && day - startDay > 366 * 200) break;
  }
}

/**
 * Expands a FHIR Timing into reminder instants (ISO UTC, whole minutes, ascending) under the
 * reminder policy (POLICY.md, version `policy.version`). Throws Reminder.InvalidTiming for a Timing
 * that breaks a FHIR invariant or that the policy cannot plan, Reminder.NoTimeZone for a bad zone.
 */
export function expandTiming(timing: FhirTiming, options: ExpandTimingOptions): string[] {
  const policy = options.policy ?? reminderPolicyV1_1;
  if (!isValidTimeZone(options.timezone)) throw new ReminderError('Reminder.NoTimeZone', `'${options.timezone}' is not a valid IANA time zone`);
  const zone = IANAZone.create(options.timezone);
  checkTimingInvariants(timing);
  const series = resolveSeries(timing, policy);
  if (options.asNeeded) return [];
  const start = toMs(options.start);
  if (Number.isNaN(start)) return invalid('P2: the series start is not a valid instant');
  const horizonEnd = options.horizonEnd === undefined ? undefined : toMs(options.horizonEnd);
  const window = reminderWindow(start, timing.repeat ?? {}, zone);
  const count = timing.repeat?.count;
  const limit = Math.min(options.limit ?? DEFAULT_LIMIT, count ?? Infinity);
  const stopAt = [window.end, horizonEnd].filter((t): t is number => t !== undefined).reduce<number | undefined>((a, b) => (a === undefined ? b : Math.min(a, b)), undefined);

  // Generation stops once `limit` distinct reminders are in the window (C3: duplicates do not count).
  const reminders = new Reminders(window);
  if (series.kind === 'elapsed') {
    for (let k = 0; reminders.size < limit; k++) {
      const t = window.start + k * series.stepMs;
      if (stopAt !== undefined && toMinute(t) > stopAt) break;
      reminders.add(t);
    }
  } else if (series.kind === 'wall') {
    wallSeries(series, window, zone, stopAt, limit, reminders);
  }
  for (const e of timing.event ?? []) reminders.add(fhirDateTimeBound(e, zone, 'start'));

  // Truncated, windowed and distinct (C2, P2, C3); then count from effectiveStart (P7), then the horizon.
  const inBounds = [...reminders.instants].sort((a, b) => a - b);
  return inBounds
    .slice(0, count ?? inBounds.length)
    .filter((t) => horizonEnd === undefined || t <= horizonEnd)
    .slice(0, options.limit ?? DEFAULT_LIMIT)
    .map((t) => new Date(t).toISOString().replace('.000Z', 'Z'));
}
