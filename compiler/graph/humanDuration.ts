import { durationSeconds } from '../duration';

const UNITS: readonly [number, string][] = [
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** `P2D` → `2 days`, `1h30m` → `1 hour 30 minutes`, `90` → `1 minute 30 seconds`; as written when not a fixed duration. */
export function humanDuration(value: string | number): string {
  const total = durationSeconds(value);
  if (total === undefined) return String(value);
  const parts: string[] = [];
  let rest = total;
  for (const [size, unit] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  return parts.join(' ');
}
