/** ISO-8601 extended offset date-time, as Java's ISO_OFFSET_DATE_TIME accepts it (what AWS uses). */
const RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;

export function isValidTimestamp(s: string): boolean {
  const m = RE.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || sec > 59) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d >= 1 && d <= days;
}

export function parseTimestampMs(s: string): number {
  const m = RE.exec(s);
  if (!m) return Number.NaN;
  // Date.parse handles at most millisecond precision; trim extra fraction digits.
  const frac = m[7] ? `.${m[7].slice(0, 3).padEnd(3, '0')}` : '';
  return Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${frac}${m[8] === 'Z' ? 'Z' : m[8]}`);
}
