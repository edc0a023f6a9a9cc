import { DateTime } from 'luxon';
import { expandTiming } from './expandTiming';
import type { FhirTiming } from './fhirTiming';
import { seededRandom as mulberry32 } from '../../../core/clock/ids';

const ZONES = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata', 'America/Sao_Paulo', 'Australia/Lord_Howe', 'UTC'];
const WHEN = ['MORN', 'AFT', 'EVE', 'NIGHT', 'HS', 'C', 'ACM', 'PCV', 'WAKE'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

describe('expandTiming properties (seeded random Timings across DST zones)', () => {
  it('yields ascending, unique, whole-minute instants inside the window; wall-clock times keep their local time unless in a gap', () => {
    const rnd = mulberry32(20251127);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    for (let i = 0; i < 120; i++) {
      const zone = pick(ZONES);
      // Starts spread over 2025 so every zone's DST changes are crossed.
      const start = Date.UTC(2025, 0, 1) + Math.floor(rnd() * 365 * 24 * 60) * 60_000;
      const kind = Math.floor(rnd() * 4);
      const times = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => `${String(Math.floor(rnd() * 24)).padStart(2, '0')}:${pick(['00', '15', '30', '45'])}:00`);
      const timing: FhirTiming =
        kind === 0
          ? { repeat: { frequency: times.length, period: 1 + Math.floor(rnd() * 3), periodUnit: 'd', timeOfDay: times } }
          : kind === 1
            ? { repeat: { frequency: 1, period: 1, periodUnit: 'd', when: [pick(WHEN)], ...(rnd() < 0.5 ? { dayOfWeek: [pick(DAYS), pick(DAYS)] } : {}) } }
            : kind === 2
              ? { repeat: { frequency: 1, period: 1 + Math.floor(rnd() * 12), periodUnit: 'h' } }
              : { repeat: { frequency: 1, period: 1, periodUnit: 'wk', timeOfDay: times, dayOfWeek: [pick(DAYS)] } };
      const horizonEnd = start + 10 * 86_400_000;
      const got = expandTiming(timing, { start, timezone: zone, horizonEnd }).map((s) => Date.parse(s));
      const ctx = JSON.stringify({ i, zone, start: new Date(start).toISOString(), timing });
      for (let k = 0; k < got.length; k++) {
        const t = got[k]!;
        expect({ ctx, ok: t % 60_000 === 0 && t >= Math.floor(start / 60_000) * 60_000 && t <= horizonEnd }).toEqual({ ctx, ok: true });
        if (k > 0) expect({ ctx, ascending: t > got[k - 1]! }).toEqual({ ctx, ascending: true });
        if (kind === 0 || kind === 3) {
          const local = DateTime.fromMillis(t, { zone }).toFormat('HH:mm:00');
          const shifted = DateTime.fromMillis(t - 3_600_000, { zone }).toFormat('HH:mm:00'); // moved forward by a 1 h gap
          const shiftedHalf = DateTime.fromMillis(t - 1_800_000, { zone }).toFormat('HH:mm:00'); // Lord Howe's 30 min gap
          expect({ ctx, local: times.includes(local) || times.includes(shifted) || times.includes(shiftedHalf) }).toEqual({ ctx, local: true });
        }
      }
      if (kind === 2) {
        const step = timing.repeat!.period! * 3_600_000;
        for (let k = 1; k < got.length; k++) expect({ ctx, step: got[k]! - got[k - 1]! }).toEqual({ ctx, step });
      }
      // Ten days always hold at least one slot of every series generated here.
      expect({ ctx, some: got.length > 0 }).toEqual({ ctx, some: true });
    }
  });
});
