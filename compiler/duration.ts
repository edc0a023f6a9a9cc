import { Duration } from 'luxon';

/** Seconds in a workflow duration (`PT2H`, `P3D`, `90s`, `1h30m`, `3d`, or a number of seconds); undefined when malformed. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.startsWith('P')) {
    // Months and years have no fixed length in seconds; ASL needs seconds, so refuse them.
    if (/^P(\d+Y|\d+M)/.test(value)) return undefined;
    const d = Duration.fromISO(value);
    if (!d.isValid) return undefined;
    const s = d.as('seconds');
    return Number.isInteger(s) && s > 0 ? s : undefined;
  }
  const m = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!m) return undefined;
  const s = Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return s > 0 ? s : undefined;
}
