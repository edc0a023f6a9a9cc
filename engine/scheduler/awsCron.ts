import { DateTime, type IANAZone } from 'luxon';
import { resolveLocal } from '../../core/time/zonedTime';

/** A parsed 6-field AWS cron expression: `cron(minutes hours day-of-month month day-of-week year)`. */
export interface AwsCron {
  minutes: readonly number[];
  hours: readonly number[];
  months: readonly number[];
  /** undefined = every year AWS accepts (1970–2199). */
  years: readonly number[] | undefined;
  dayOfMonth: DayOfMonthSpec | undefined;
  dayOfWeek: DayOfWeekSpec | undefined;
}

interface DayOfMonthSpec {
  days: ReadonlySet<number>;
  last: boolean;
  lastWeekday: boolean;
  /** `15W`: the weekday nearest to the 15th, within the month. */
  nearestWeekday: readonly number[];
}

interface DayOfWeekSpec {
  /** AWS numbering: 1 = SUN … 7 = SAT. */
  days: ReadonlySet<number>;
  /** `5L`: the last Thursday of the month. */
  lastOf: readonly number[];
  /** `3#2`: [weekday, nth]. */
  nth: readonly (readonly [number, number])[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2199;

export class CronSyntaxError extends Error {}

function fail(message: string): never {
  throw new CronSyntaxError(message);
}

function parseNumber(token: string, field: string, min: number, max: number, names?: readonly string[]): number {
  const upper = token.toUpperCase();
  const named = names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(token)) fail(`${field}: '${token}' is not a number${names ? ' or a name' : ''}`);
  const n = Number(token);
  if (n < min || n > max) fail(`${field}: ${n} is outside ${min}-${max}`);
  return n;
}

/** Expands `*`, `a`, `a-b`, `a/n`, `*\/n`, `a-b/n` and comma lists of them; ranges may wrap (FRI-MON). */
function parseSimpleList(text: string, field: string, min: number, max: number, names?: readonly string[]): number[] {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') fail(`${field}: empty list item in '${text}'`);
    const [rangePart = '', stepPart, extra] = item.split('/');
    if (extra !== undefined) fail(`${field}: '${item}' has more than one '/'`);
    const step = stepPart === undefined ? 1 : parseNumber(stepPart, field, 1, max - min + 1);
    let lo: number;
    let hi: number;
    if (rangePart === '*') {
      lo = min;
      hi = max;
    } else if (rangePart.includes('-')) {
      const [a = '', b = '', more] = rangePart.split('-');
      if (more !== undefined) fail(`${field}: bad range '${rangePart}'`);
      lo = parseNumber(a, field, min, max, names);
      hi = parseNumber(b, field, min, max, names);
    } else {
      lo = parseNumber(rangePart, field, min, max, names);
      hi = stepPart === undefined ? lo : max;
    }
    const span = hi >= lo ? hi - lo : hi + (max - min + 1) - lo;
    for (let k = 0; k <= span; k += step) out.add(((lo - min + k) % (max - min + 1)) + min);
  }
  return [...out].sort((a, b) => a - b);
}

function parseDayOfMonth(text: string): DayOfMonthSpec | undefined {
  if (text === '?') return undefined;
  const days = new Set<number>();
  let last = false;
  let lastWeekday = false;
  const nearestWeekday: number[] = [];
  for (const item of text.split(',')) {
    const up = item.toUpperCase();
    if (up === 'L') last = true;
    else if (up === 'LW') lastWeekday = true;
    else if (/^\d+W$/.test(up)) nearestWeekday.push(parseNumber(up.slice(0, -1), 'day-of-month', 1, 31));
    else if (up.includes('L') || up.includes('W') || up.includes('#')) fail(`day-of-month: '${item}' is not valid (use L, LW or nW)`);
    else for (const d of parseSimpleList(item, 'day-of-month', 1, 31)) days.add(d);
  }
  return { days, last, lastWeekday, nearestWeekday };
}

function parseDayOfWeek(text: string): DayOfWeekSpec | undefined {
  if (text === '?') return undefined;
  const days = new Set<number>();
  const lastOf: number[] = [];
  const nth: [number, number][] = [];
  for (const item of text.split(',')) {
    const up = item.toUpperCase();
    if (up === 'L') days.add(7);
    else if (/^[A-Z0-9]+L$/.test(up)) lastOf.push(parseNumber(up.slice(0, -1), 'day-of-week', 1, 7, DAYS));
    else if (up.includes('#')) {
      const [d = '', n = ''] = up.split('#');
      nth.push([parseNumber(d, 'day-of-week', 1, 7, DAYS), parseNumber(n, 'day-of-week (#)', 1, 5)]);
    } else if (up.includes('W') && !DAYS.some((n) => up.includes(n))) fail(`day-of-week: 'W' is only valid in day-of-month`);
    else for (const d of parseSimpleList(up, 'day-of-week', 1, 7, DAYS)) days.add(d);
  }
  return { days, lastOf, nth };
}

/** Parses the inside of `cron(...)`. Throws CronSyntaxError with a message naming the bad field. */
export function parseAwsCron(body: string): AwsCron {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) fail(`expected 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`);
  const [min = '', hour = '', dom = '', month = '', dow = '', year = ''] = fields;
  if ((dom === '?') === (dow === '?')) fail("exactly one of day-of-month and day-of-week must be '?'");
  if (min.includes('?') || hour.includes('?') || month.includes('?') || year.includes('?')) fail("'?' is only valid in day-of-month or day-of-week");
  return {
    minutes: parseSimpleList(min, 'minutes', 0, 59),
    hours: parseSimpleList(hour, 'hours', 0, 23),
    dayOfMonth: parseDayOfMonth(dom),
    months: parseSimpleList(month.toUpperCase(), 'month', 1, 12, MONTHS),
    dayOfWeek: parseDayOfWeek(dow),
    years: year === '*' ? undefined : parseSimpleList(year, 'year', MIN_YEAR, MAX_YEAR),
  };
}

/** AWS weekday number (1 = SUN … 7 = SAT) of a calendar date. */
function awsWeekday(y: number, m: number, d: number): number {
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function nearestWeekdayTo(y: number, m: number, day: number): number | undefined {
  const dim = daysInMonth(y, m);
  if (day > dim) return undefined;
  const wd = awsWeekday(y, m, day);
  if (wd === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday before, unless that leaves the month
  if (wd === 1) return day === dim ? day - 2 : day + 1; // Sunday: Monday after, unless that leaves the month
  return day;
}

/** The days of month y-m that the day-of-month / day-of-week fields select, ascending. */
export function cronDaysOfMonth(cron: AwsCron, y: number, m: number): number[] {
  const dim = daysInMonth(y, m);
  const out = new Set<number>();
  const dom = cron.dayOfMonth;
  if (dom) {
    for (const d of dom.days) if (d <= dim) out.add(d);
    if (dom.last) out.add(dim);
    if (dom.lastWeekday) {
      const wd = awsWeekday(y, m, dim);
      out.add(wd === 7 ? dim - 1 : wd === 1 ? dim - 2 : dim);
    }
    for (const n of dom.nearestWeekday) {
      const d = nearestWeekdayTo(y, m, n);
      if (d !== undefined) out.add(d);
    }
  }
  const dow = cron.dayOfWeek;
  if (dow) {
    for (let d = 1; d <= dim; d++) {
      const wd = awsWeekday(y, m, d);
      if (dow.days.has(wd)) out.add(d);
      if (dow.lastOf.includes(wd) && d + 7 > dim) out.add(d);
      for (const [w, n] of dow.nth) if (w === wd && Math.ceil(d / 7) === n) out.add(d);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The first instant matching the cron in `zone` strictly after `afterMs` (or at it when inclusive).
 * AWS's daylight-saving behaviour: a local time inside a spring-forward gap is skipped; a local time
 * that occurs twice runs once, at its first occurrence. undefined when the years run out.
 */
export function nextCronTime(cron: AwsCron, zone: IANAZone, afterMs: number, inclusive: boolean): number | undefined {
  const from = DateTime.fromMillis(afterMs, { zone });
  const years = cron.years ?? Array.from({ length: MAX_YEAR - MIN_YEAR + 1 }, (_, i) => MIN_YEAR + i);
  for (const y of years) {
    if (y < from.year) continue;
    for (const m of cron.months) {
      if (y === from.year && m < from.month) continue;
      for (const d of cronDaysOfMonth(cron, y, m)) {
        if (y === from.year && m === from.month && d < from.day) continue;
        for (const h of cron.hours) {
          for (const mi of cron.minutes) {
            const r = resolveLocal(zone, y, m, d, h, mi);
            if (r.inGap) continue;
            if (r.epochMs > afterMs || (inclusive && r.epochMs === afterMs)) return r.epochMs;
          }
        }
      }
    }
  }
  return undefined;
}
