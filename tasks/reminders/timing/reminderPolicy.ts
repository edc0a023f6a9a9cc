/**
 * The reminder expansion policy (../shared/conformance/timing/POLICY.md), as data. Every schedule
 * records `version`, so a later policy can re-plan and the audit trail says why a reminder fired.
 * A deployment may override any table by passing its own policy. The rules (P1–P7 and the 1.1
 * clarifications C1–C9) are in expandTiming.ts; the tables did not change from 1 to 1.1.
 */
export interface ReminderPolicy {
  version: string;
  /** Local times (HH:MM) for a day-based series with no timeOfDay/when, by frequency per day. */
  defaultTimesByFrequency: Record<number, readonly string[]>;
  /** Time of day for week-, month- and year-based series without times. */
  defaultTimeForLongPeriods: string;
  /** EventTiming (`repeat.when`) codes → local time. AC and PC variants derive from the meal times. */
  eventTimes: Record<string, string>;
  /** Default offset (minutes) before AC* and after PC* meal codes when `repeat.offset` is absent. */
  mealOffsetMinutes: number;
  /** Timing.code (GTS abbreviation) shortcuts. */
  codes: Record<string, CodeShortcut>;
}

export interface CodeShortcut {
  frequency: number;
  period: number;
  periodUnit: 'h' | 'd' | 'wk' | 'mo';
  /** Institution wall-clock times; for wk/mo on the start's weekday / day of month. */
  times: readonly string[];
}

export const GTS_ABBREVIATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation';

const everyNHours = (n: number, first = 0) => Array.from({ length: Math.floor((24 - first - 1) / n) + 1 }, (_, i) => `${String(first + i * n).padStart(2, '0')}:00`);

/** Policy 1.1: version 1's tables, expanded under the clarifications C1–C9. New plans record `1.1`. */
export const reminderPolicyV1_1: ReminderPolicy = {
  version: '1.1',
  defaultTimesByFrequency: {
    1: ['09:00'],
    2: ['09:00', '21:00'],
    3: ['08:00', '14:00', '20:00'],
    4: ['08:00', '12:00', '16:00', '20:00'],
  },
  defaultTimeForLongPeriods: '09:00',
  eventTimes: {
    WAKE: '07:00',
    PHS: '07:00',
    MORN: '08:00',
    'MORN.early': '06:00',
    'MORN.late': '10:00',
    NOON: '12:00',
    AFT: '15:00',
    'AFT.early': '13:00',
    'AFT.late': '17:00',
    EVE: '19:00',
    'EVE.early': '18:00',
    'EVE.late': '21:00',
    NIGHT: '23:00',
    HS: '22:00',
    CM: '07:30',
    CD: '12:00',
    CV: '18:00',
  },
  mealOffsetMinutes: 30,
  codes: {
    QD: { frequency: 1, period: 1, periodUnit: 'd', times: ['09:00'] },
    BID: { frequency: 2, period: 1, periodUnit: 'd', times: ['09:00', '21:00'] },
    TID: { frequency: 3, period: 1, periodUnit: 'd', times: ['08:00', '14:00', '20:00'] },
    QID: { frequency: 4, period: 1, periodUnit: 'd', times: ['08:00', '12:00', '16:00', '20:00'] },
    AM: { frequency: 1, period: 1, periodUnit: 'd', times: ['08:00'] },
    PM: { frequency: 1, period: 1, periodUnit: 'd', times: ['15:00'] },
    QOD: { frequency: 1, period: 2, periodUnit: 'd', times: ['09:00'] },
    Q1H: { frequency: 1, period: 1, periodUnit: 'h', times: everyNHours(1) },
    Q2H: { frequency: 1, period: 2, periodUnit: 'h', times: everyNHours(2) },
    Q3H: { frequency: 1, period: 3, periodUnit: 'h', times: everyNHours(3) },
    Q4H: { frequency: 1, period: 4, periodUnit: 'h', times: everyNHours(4, 2) },
    Q6H: { frequency: 1, period: 6, periodUnit: 'h', times: everyNHours(6) },
    Q8H: { frequency: 1, period: 8, periodUnit: 'h', times: ['06:00', '14:00', '22:00'] },
    BED: { frequency: 1, period: 1, periodUnit: 'd', times: ['22:00'] },
    WK: { frequency: 1, period: 1, periodUnit: 'wk', times: ['09:00'] },
    MO: { frequency: 1, period: 1, periodUnit: 'mo', times: ['09:00'] },
  },
};
