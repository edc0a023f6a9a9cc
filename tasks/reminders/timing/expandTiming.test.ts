import { ReminderError } from '../../../schemas/errors';
import { expandTiming } from './expandTiming';
import type { FhirTiming } from './fhirTiming';

const code = (c: string): FhirTiming => ({ code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: c }] } });
const expand = (timing: FhirTiming, start: string, timezone: string, limit = 4) => expandTiming(timing, { start, timezone, limit });

function rejection(fn: () => unknown): ReminderError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ReminderError) return e;
    throw e;
  }
  throw new Error('expected a ReminderError');
}

describe('expandTiming: codes (P6)', () => {
  it('QOD: 09:00 every other local day counted from the start date', () => {
    expect(expand(code('QOD'), '2025-01-06T08:00:00Z', 'Europe/Berlin', 3)).toEqual(['2025-01-06T08:00:00Z', '2025-01-08T08:00:00Z', '2025-01-10T08:00:00Z']);
  });
  it("MO: 09:00 on the start's day of month, clamped to the month's last day", () => {
    expect(expand(code('MO'), '2025-01-31T00:00:00Z', 'UTC', 3)).toEqual(['2025-01-31T09:00:00Z', '2025-02-28T09:00:00Z', '2025-03-31T09:00:00Z']);
  });
  it('Q4H and Q6H: fixed institution slots', () => {
    expect(expand(code('Q4H'), '2025-01-01T00:00:00Z', 'UTC', 7)).toEqual([
      '2025-01-01T02:00:00Z',
      '2025-01-01T06:00:00Z',
      '2025-01-01T10:00:00Z',
      '2025-01-01T14:00:00Z',
      '2025-01-01T18:00:00Z',
      '2025-01-01T22:00:00Z',
      '2025-01-02T02:00:00Z',
    ]);
    expect(expand(code('Q6H'), '2025-01-01T01:00:00Z', 'UTC', 2)).toEqual(['2025-01-01T06:00:00Z', '2025-01-01T12:00:00Z']);
  });
  it('AM, PM, BED, QD', () => {
    expect(expand(code('AM'), '2025-01-01T00:00:00Z', 'UTC', 1)).toEqual(['2025-01-01T08:00:00Z']);
    expect(expand(code('PM'), '2025-01-01T00:00:00Z', 'UTC', 1)).toEqual(['2025-01-01T15:00:00Z']);
    expect(expand(code('BED'), '2025-01-01T00:00:00Z', 'UTC', 1)).toEqual(['2025-01-01T22:00:00Z']);
    expect(expand(code('QD'), '2025-01-01T10:00:00Z', 'UTC', 1)).toEqual(['2025-01-02T09:00:00Z']);
  });
  it('repeat wins over code; bounds on a code-only repeat still apply', () => {
    expect(expand({ ...code('BID'), repeat: { frequency: 1, period: 1, periodUnit: 'd' } }, '2025-01-01T00:00:00Z', 'UTC', 2)).toEqual(['2025-01-01T09:00:00Z', '2025-01-02T09:00:00Z']);
    expect(expandTiming({ ...code('BID'), repeat: { boundsDuration: { value: 1, code: 'd' } } }, { start: '2025-01-01T00:00:00Z', timezone: 'UTC' })).toEqual([
      '2025-01-01T09:00:00Z',
      '2025-01-01T21:00:00Z',
    ]);
  });
});

describe('expandTiming: daylight saving (P5)', () => {
  it('a repeated fall-back local time is used once, at its earlier occurrence', () => {
    const t: FhirTiming = { repeat: { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['01:30:00'] } };
    expect(expand(t, '2025-11-01T12:00:00Z', 'America/New_York', 2)).toEqual(['2025-11-02T05:30:00Z', '2025-11-03T06:30:00Z']);
  });
  it('an elapsed series ignores fall-back, so its local time drifts', () => {
    const t: FhirTiming = { repeat: { frequency: 1, period: 12, periodUnit: 'h' } };
    expect(expand(t, '2025-10-25T07:00:00Z', 'Europe/Berlin', 4)).toEqual(['2025-10-25T07:00:00Z', '2025-10-25T19:00:00Z', '2025-10-26T07:00:00Z', '2025-10-26T19:00:00Z']);
  });
  it('boundsDuration in days is calendar days on the local clock across spring-forward', () => {
    const t: FhirTiming = { repeat: { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['10:00:00'], boundsDuration: { value: 2, code: 'd' } } };
    // [Sat 10:00 EST, Mon 10:00 EDT): Sat and Sun only.
    expect(expandTiming(t, { start: '2025-03-08T15:00:00Z', timezone: 'America/New_York' })).toEqual(['2025-03-08T15:00:00Z', '2025-03-09T14:00:00Z']);
  });
});

describe('expandTiming: slots, ranges and filters (P3, P4, P7)', () => {
  it('PC uses the default 30 min after each meal; AC with offset before', () => {
    expect(expand({ repeat: { frequency: 3, period: 1, periodUnit: 'd', when: ['PC'] } }, '2025-01-01T00:00:00Z', 'UTC', 3)).toEqual([
      '2025-01-01T08:00:00Z',
      '2025-01-01T12:30:00Z',
      '2025-01-01T18:30:00Z',
    ]);
    expect(expand({ repeat: { frequency: 1, period: 1, periodUnit: 'd', when: ['ACV'], offset: 15 } }, '2025-01-01T00:00:00Z', 'UTC', 1)).toEqual(['2025-01-01T17:45:00Z']);
    expect(expand({ repeat: { when: ['WAKE'], offset: 10 } }, '2025-01-01T00:00:00Z', 'UTC', 1)).toEqual(['2025-01-01T07:10:00Z']);
  });
  it('periodMax gives the least frequent reading; dayOfWeek filters a daily series', () => {
    expect(expand({ repeat: { frequency: 1, period: 4, periodMax: 6, periodUnit: 'h' } }, '2025-01-01T00:00:00Z', 'UTC', 3)).toEqual([
      '2025-01-01T00:00:00Z',
      '2025-01-01T06:00:00Z',
      '2025-01-01T12:00:00Z',
    ]);
    expect(expand({ repeat: { frequency: 1, period: 1, periodUnit: 'd', dayOfWeek: ['sat', 'sun'] } }, '2025-01-01T00:00:00Z', 'UTC', 3)).toEqual([
      '2025-01-04T09:00:00Z',
      '2025-01-05T09:00:00Z',
      '2025-01-11T09:00:00Z',
    ]);
  });
  it('count is counted from effectiveStart even when a horizon cuts the list later; horizonEnd is inclusive', () => {
    const t: FhirTiming = { repeat: { count: 3, frequency: 1, period: 1, periodUnit: 'd' } };
    expect(expandTiming(t, { start: '2025-01-01T00:00:00Z', timezone: 'UTC', horizonEnd: '2025-01-02T09:00:00Z' })).toEqual(['2025-01-01T09:00:00Z', '2025-01-02T09:00:00Z']);
    expect(expandTiming(t, { start: '2025-01-01T00:00:00Z', timezone: 'UTC', horizonEnd: '2025-02-01T00:00:00Z' })).toHaveLength(3);
  });
  it('an elapsed series is truncated to whole minutes before the window test (C2); boundsPeriod with an offset is an instant', () => {
    const t: FhirTiming = { repeat: { frequency: 1, period: 90, periodUnit: 'min', boundsPeriod: { end: '2025-01-01T03:00:30Z' } } };
    // 00:00:30 truncates to 00:00, before effectiveStart (00:00:30): policy 1.1 leaves it out (1 emitted it).
    expect(expandTiming(t, { start: '2025-01-01T00:00:30Z', timezone: 'UTC' })).toEqual(['2025-01-01T01:30:00Z', '2025-01-01T03:00:00Z']);
    expect(expandTiming(t, { start: '2025-01-01T00:00:00Z', timezone: 'UTC' })).toEqual(['2025-01-01T00:00:00Z', '2025-01-01T01:30:00Z', '2025-01-01T03:00:00Z']);
  });
  it('asNeeded yields no scheduled reminders; explicit events are used as given', () => {
    expect(expandTiming(code('BID'), { start: '2025-01-01T00:00:00Z', timezone: 'UTC', limit: 5, asNeeded: true })).toEqual([]);
    expect(expandTiming({ event: ['2025-01-02T10:00:00Z', '2024-12-31T10:00:00Z'] }, { start: '2025-01-01T00:00:00Z', timezone: 'UTC' })).toEqual(['2025-01-02T10:00:00Z']);
  });
});

describe('expandTiming: invariants and rejections', () => {
  it.each([
    [{ repeat: { duration: 30, frequency: 1, period: 1, periodUnit: 'd' } }, 'tim-1'],
    [{ repeat: { frequency: 1, period: 1 } }, 'tim-2'],
    [{ repeat: { duration: -1, durationUnit: 'min', frequency: 1, period: 1, periodUnit: 'd' } }, 'tim-4'],
    [{ repeat: { frequency: 1, period: -1, periodUnit: 'd' } }, 'tim-5'],
    [{ repeat: { frequency: 1, periodMax: 2, periodUnit: 'd' } }, 'tim-6'],
    [{ repeat: { durationMax: 2, durationUnit: 'h', frequency: 1, period: 1, periodUnit: 'd' } }, 'tim-7'],
    [{ repeat: { countMax: 2, frequency: 1, period: 1, periodUnit: 'd' } }, 'tim-8'],
    [{ repeat: { offset: 30, frequency: 1, period: 1, periodUnit: 'd' } }, 'tim-9'],
    [{ repeat: { offset: 30, when: ['CM'], frequency: 1, period: 1, periodUnit: 'd' } }, 'tim-9'],
    [{ repeat: { when: ['MORN'], timeOfDay: ['08:00:00'], frequency: 1, period: 1, periodUnit: 'd' } }, 'tim-10'],
    [{ repeat: { frequency: 5, period: 1, periodUnit: 'd' } }, 'needs timeOfDay'],
    [{ repeat: { when: ['BRUNCH'] } }, "'BRUNCH'"],
    [code('Q5M'), "'Q5M'"],
    [{}, 'Timing has no'],
  ] as [FhirTiming, string][])('%j is Reminder.InvalidTiming naming %s', (timing, needle) => {
    const e = rejection(() => expand(timing, '2025-01-01T00:00:00Z', 'UTC'));
    expect(e.error).toBe('Reminder.InvalidTiming');
    expect(e.message).toContain(needle);
  });
  it('a bad zone is Reminder.NoTimeZone', () => {
    expect(rejection(() => expand(code('BID'), '2025-01-01T00:00:00Z', 'Mars/Base')).error).toBe('Reminder.NoTimeZone');
  });
});
