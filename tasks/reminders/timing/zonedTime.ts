import { IANAZone } from 'luxon';

const DAY_MS = 86_400_000;

/**
 * Local wall-clock fields in a zone → an instant, under policy P5: a time in a spring-forward gap
 * moves forward by the gap; a time that occurs twice uses the earlier occurrence. (Luxon alone
 * picks the later one.) tasks/ may not import engine/, hence this small twin of engine's helper.
 */
export function localToInstant(zone: IANAZone, y: number, mo: number, d: number, minuteOfDay: number): number {
  const asUtc = Date.UTC(y, mo - 1, d) + minuteOfDay * 60_000;
  const before = zone.offset(asUtc - DAY_MS);
  const after = zone.offset(asUtc + DAY_MS);
  let best: number | undefined;
  for (const o of before === after ? [before] : [before, after]) {
    const t = asUtc - o * 60_000;
    if (zone.offset(t) === o && (best === undefined || t < best)) best = t;
  }
  return best ?? asUtc - before * 60_000;
}

const validity = new Map<string, boolean>();
export function isValidTimeZone(tz: string): boolean {
  let ok = validity.get(tz);
  if (ok === undefined) validity.set(tz, (ok = IANAZone.isValidZone(tz)));
  return ok;
}
