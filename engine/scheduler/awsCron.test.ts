import { IANAZone } from 'luxon';
import { cronDaysOfMonth, nextCronTime, parseAwsCron } from './awsCron';

describe('AWS cron day rules', () => {
  it('nW stays inside the month; LW is the last weekday; nL the last such weekday; ranges wrap', () => {
    // 2025-03-01 is a Saturday: 1W is Monday the 3rd, not Friday in February.
    expect(cronDaysOfMonth(parseAwsCron('0 0 1W * ? *'), 2025, 3)).toEqual([3]);
    // 2025-08-31 is a Sunday: 31W is Friday the 29th.
    expect(cronDaysOfMonth(parseAwsCron('0 0 31W * ? *'), 2025, 8)).toEqual([29]);
    expect(cronDaysOfMonth(parseAwsCron('0 0 LW * ? *'), 2025, 8)).toEqual([29]);
    expect(cronDaysOfMonth(parseAwsCron('0 0 ? * 2L *'), 2025, 6)).toEqual([30]); // last Monday of June 2025
    expect(cronDaysOfMonth(parseAwsCron('0 0 ? * FRI-MON *'), 2025, 6).slice(0, 4)).toEqual([1, 2, 6, 7]); // Sun 1, Mon 2, Fri 6, Sat 7
    expect(cronDaysOfMonth(parseAwsCron('0 0 30 FEB ? *'), 2025, 2)).toEqual([]);
  });

  it('finds the next time in a zone, skipping a spring-forward gap', () => {
    const ny = IANAZone.create('America/New_York');
    const cron = parseAwsCron('0/20 2 9 MAR ? 2025-2026');
    expect(new Date(nextCronTime(cron, ny, Date.parse('2025-03-01T00:00:00Z'), true)!).toISOString()).toBe('2026-03-09T06:00:00.000Z');
    expect(nextCronTime(parseAwsCron('0 12 1 JAN ? 2020'), ny, Date.parse('2025-01-01T00:00:00Z'), true)).toBeUndefined();
  });
});
