/** Output of the ops commands: aligned tables for people, JSON for scripts. */
export type Row = Record<string, string | number | undefined>;

export function formatTable(rows: readonly Row[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cell = (v: string | number | undefined): string => (v === undefined ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n')}\n`;
}

export function formatRecord(record: Record<string, unknown>): string {
  const keys = Object.keys(record).filter((k) => record[k] !== undefined);
  const w = Math.max(...keys.map((k) => k.length));
  return `${keys.map((k) => `${k.padEnd(w)}  ${show(record[k])}`).join('\n')}\n`;
}

export function show(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** JSON with dates as ISO strings. */
export function toJson(v: unknown): string {
  return `${JSON.stringify(v, (_k, x: unknown) => x, 2)}\n`;
}

/** `2h`, `30m`, `7d` before now, or an ISO 8601 instant → epoch ms. */
export function parseSince(text: string, now = Date.now()): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (m) return now - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`--since ${text}: give an ISO 8601 time or a duration such as 2h, 30m, 7d`);
  return t;
}
