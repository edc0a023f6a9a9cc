/** Small JSON helpers shared by the state implementations. */

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The JSON type name AWS uses in its causes (`array`, `object`, `null`, …). */
export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

export function regionOf(arn: string): string {
  return arn.split(':')[3] ?? 'us-east-1';
}
