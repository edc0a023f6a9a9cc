import { nextFireTimes, validateScheduleExpression } from './scheduleExpression';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString().replace('.000Z', 'Z'));
const utc = (s: string) => Date.parse(s);

describe('nextFireTimes', () => {
  it('at() is one instant in its zone, and ignores StartDate/EndDate as AWS does', () => {
    expect(iso(nextFireTimes('at(2025-06-01T09:15:00)', 'Europe/Berlin', utc('2025-01-01T00:00:00Z'), 3, { endDate: utc('2025-02-01T00:00:00Z') }))).toEqual(['2025-06-01T07:15:00Z']);
    expect(nextFireTimes('at(2025-06-01T09:15:00)', 'UTC', utc('2025-07-01T00:00:00Z'), 3)).toEqual([]);
  });

  it('rate() runs from StartDate (or from now) at a fixed elapsed interval, ignoring DST', () => {
    expect(iso(nextFireTimes('rate(5 minutes)', 'UTC', utc('2025-01-01T00:00:00Z'), 3, { startDate: utc('2024-12-31T23:58:00Z') }))).toEqual([
      '2025-01-01T00:03:00Z',
      '2025-01-01T00:08:00Z',
      '2025-01-01T00:13:00Z',
    ]);
    expect(iso(nextFireTimes('rate(1 day)', 'America/New_York', utc('2025-03-08T12:00:00Z'), 3))).toEqual(['2025-03-08T12:00:00Z', '2025-03-09T12:00:00Z', '2025-03-10T12:00:00Z']);
    expect(iso(nextFireTimes('rate(2 hours)', 'UTC', utc('2025-01-01T00:00:00Z'), 2))).toEqual(['2025-01-01T00:00:00Z', '2025-01-01T02:00:00Z']);
  });

  it('cron() keeps local wall-clock time across DST and skips a time the spring-forward gap removes', () => {
    expect(iso(nextFireTimes('cron(30 2 * * ? *)', 'America/New_York', utc('2025-03-07T00:00:00Z'), 4))).toEqual([
      '2025-03-07T07:30:00Z',
      '2025-03-08T07:30:00Z',
      /* 03-09 02:30 does not exist */ '2025-03-10T06:30:00Z',
      '2025-03-11T06:30:00Z',
    ]);
  });

  it('cron() runs a repeated fall-back time once, at its first occurrence', () => {
    expect(iso(nextFireTimes('cron(30 1 * * ? *)', 'America/New_York', utc('2025-11-01T00:00:00Z'), 3))).toEqual(['2025-11-01T05:30:00Z', '2025-11-02T05:30:00Z', '2025-11-03T06:30:00Z']);
    expect(iso(nextFireTimes('cron(0/30 1 2 NOV ? 2025)', 'America/New_York', utc('2025-11-01T00:00:00Z'), 5))).toEqual(['2025-11-02T05:00:00Z', '2025-11-02T05:30:00Z']);
  });

  it('cron() supports L, W, LW, #, nL, names, lists, ranges, steps and the year field', () => {
    const from = utc('2025-01-01T00:00:00Z');
    expect(iso(nextFireTimes('cron(0 10 L * ? *)', 'UTC', from, 3))).toEqual(['2025-01-31T10:00:00Z', '2025-02-28T10:00:00Z', '2025-03-31T10:00:00Z']);
    expect(iso(nextFireTimes('cron(0 10 15W * ? *)', 'UTC', from, 2))).toEqual(['2025-01-15T10:00:00Z', '2025-02-14T10:00:00Z']);
    expect(iso(nextFireTimes('cron(0 10 LW * ? *)', 'UTC', utc('2025-05-01T00:00:00Z'), 1))).toEqual(['2025-05-30T10:00:00Z']);
    expect(iso(nextFireTimes('cron(0 10 ? * MON#2 *)', 'UTC', from, 2))).toEqual(['2025-01-13T10:00:00Z', '2025-02-10T10:00:00Z']);
    expect(iso(nextFireTimes('cron(0 10 ? * 6L 2025)', 'UTC', from, 2))).toEqual(['2025-01-31T10:00:00Z', '2025-02-28T10:00:00Z']);
    expect(iso(nextFireTimes('cron(15,45 8-9 ? JAN MON-FRI 2025)', 'UTC', from, 5))).toEqual([
      '2025-01-01T08:15:00Z',
      '2025-01-01T08:45:00Z',
      '2025-01-01T09:15:00Z',
      '2025-01-01T09:45:00Z',
      '2025-01-02T08:15:00Z',
    ]);
    expect(iso(nextFireTimes('cron(0 0/8 1 * ? *)', 'UTC', from, 4))).toEqual(['2025-01-01T00:00:00Z', '2025-01-01T08:00:00Z', '2025-01-01T16:00:00Z', '2025-02-01T00:00:00Z']);
    // The year field ends a series.
    expect(iso(nextFireTimes('cron(0 12 1 JAN ? 2025-2026)', 'UTC', from, 5))).toEqual(['2025-01-01T12:00:00Z', '2026-01-01T12:00:00Z']);
  });

  it('StartDate and EndDate bound recurring schedules', () => {
    const out = nextFireTimes('cron(0 9 * * ? *)', 'Europe/Berlin', utc('2025-01-01T00:00:00Z'), 10, {
      startDate: utc('2025-01-03T08:00:00Z'),
      endDate: utc('2025-01-05T08:00:00Z'),
    });
    expect(iso(out)).toEqual(['2025-01-03T08:00:00Z', '2025-01-04T08:00:00Z', '2025-01-05T08:00:00Z']);
  });
});

describe('validateScheduleExpression', () => {
  it.each([
    ['cron(0 10 * * * *)', "exactly one of day-of-month and day-of-week must be '?'"],
    ['cron(0 10 * * ?)', 'expected 6 fields'],
    ['cron(60 10 * * ? *)', 'minutes: 60 is outside 0-59'],
    ['cron(0 10 ? * FOO *)', "day-of-week: 'FOO' is not a number or a name"],
    ['cron(0 10 * * ? 1969)', 'year: 1969 is outside 1970-2199'],
    ['rate(0 minutes)', 'positive integer'],
    ['rate(5 weeks)', 'expected rate(value minutes|hours|days)'],
    ['at(2025-02-30T10:00:00)', 'not a valid date'],
    ['at(2025-02-03 10:00)', 'expected at(yyyy-mm-ddThh:mm:ss)'],
    ['every 5 minutes', 'is not at(...), rate(...) or cron(...)'],
  ])('%s is refused with a clear message', (expr, message) => {
    const issues = validateScheduleExpression(expr, 'UTC');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain(message);
  });

  it('names a bad time zone and accepts good expressions', () => {
    expect(validateScheduleExpression('rate(1 minute)', 'Mars/Olympus_Mons')).toEqual([expect.objectContaining({ path: 'ScheduleExpressionTimezone' })]);
    for (const ok of ['rate(1 minute)', 'rate(3 days)', 'cron(0 8 ? * MON-FRI *)', 'cron(0 8 1 JAN,JUL ? *)', 'at(2030-01-01T00:00:00)']) {
      expect(validateScheduleExpression(ok, 'America/New_York')).toEqual([]);
    }
  });
});
