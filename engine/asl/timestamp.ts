/**
 * Timestamps as Step Functions accepts them in Choice rules and Wait states: RFC 3339 /
 * ISO-8601 extended offset date-time, uppercase `T`, and `Z` or a `±hh:mm` offset.
 */
const RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** An instant: whole epoch seconds and nanoseconds, exact to the nanosecond. */
export interface Instant {
  seconds: number;
  nanos: number;
}

export function parseTimestamp(s: unknown): Instant | undefined {
  if (typeof s !== 'string') return undefined;
  const m = RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > dim) return undefined;
  let offset = 0;
  const z = m[8]!;
  if (z !== 'Z') {
    const oh = Number(z.slice(1, 3));
    const om = Number(z.slice(4, 6));
    if (oh > 18 || om > 59) return undefined;
    offset = (z[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const seconds = Date.UTC(y, mo - 1, d, h, mi, se) / 1000 - offset;
  const nanos = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  return { seconds, nanos };
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos;
}

/** Epoch milliseconds of a valid timestamp (sub-millisecond digits are truncated). */
export function timestampToEpochMs(s: unknown): number | undefined {
  const i = parseTimestamp(s);
  return i === undefined ? undefined : i.seconds * 1000 + Math.floor(i.nanos / 1e6);
}
