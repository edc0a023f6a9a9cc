import { IANAZone } from 'luxon';

const DAY_MS = 86_400_000;

/** A wall-clock time in an IANA zone, resolved to an instant, and whether it fell in a spring-forward gap. */
export interface ResolvedLocal {
  epochMs: number;
  /** The local time does not exist (spring-forward gap); epochMs is shifted forward by the gap. */
  inGap: boolean;
}

/**
 * Resolves local wall-clock fields to an instant. Luxon alone picks the later of two fall-back
 * occurrences; AWS (and the reminder policy) want the earlier one, so both candidates are checked.
 */
export function resolveLocal(zone: IANAZone, y: number, mo: number, d: number, h: number, mi: number, s = 0): ResolvedLocal {
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const before = zone.offset(asUtc - DAY_MS);
  const after = zone.offset(asUtc + DAY_MS);
  const candidates: number[] = [];
  for (const o of before === after ? [before] : [before, after]) {
    const t = asUtc - o * 60_000;
    if (zone.offset(t) === o) candidates.push(t);
  }
  if (candidates.length === 0) {
    // Spring-forward gap: keep the pre-transition offset, which lands the length of the gap later.
    return { epochMs: asUtc - before * 60_000, inGap: true };
  }
  return { epochMs: Math.min(...candidates), inGap: false };
}

/** Local wall-clock minutes of a day → an instant, under the same rules (policy P5: a gap moves forward, a repeated time takes its first occurrence). */
export function localToInstant(zone: IANAZone, y: number, mo: number, d: number, minuteOfDay: number): number {
  return resolveLocal(zone, y, mo, d, 0, minuteOfDay).epochMs;
}

const validity = new Map<string, boolean>();

/** IANAZone.isValidZone builds an Intl formatter (about 1 ms); the answer per name never changes. */
export function isValidTimeZone(tz: string): boolean {
  let ok = validity.get(tz);
  if (ok === undefined) {
    ok = IANAZone.isValidZone(tz);
    if (validity.size < 10_000) validity.set(tz, ok);
  }
  return ok;
}
