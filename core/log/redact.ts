/**
 * Key-name based deep redaction: the second line of defence behind pino's `redact` paths, for PHI and
 * secrets nested at any depth (FHIR resources inside task inputs, headers inside errors, …).
 */
export const REDACTED = '[Redacted]';

/** Keys whose values are PHI or secrets wherever they appear (compared case-insensitively). */
const SENSITIVE_KEYS = new Set(
  [
    'resource',
    'resources',
    'body',
    'entry',
    'payload',
    'contained',
    'name',
    'given',
    'family',
    'prefix',
    'suffix',
    'text',
    'display',
    'note',
    'valueString',
    'identifier',
    'telecom',
    'address',
    'birthDate',
    'deceasedDateTime',
    'photo',
    'contact',
    'email',
    'phone',
    'ssn',
    'mrn',
    'dob',
    'authorization',
    'cookie',
    'set-cookie',
    'assertion',
    'client_assertion',
    'taskToken',
    'password',
    'privateKey',
    'private_key',
    'jwk',
    'details',
    'diagnostics',
    'outcome',
    'operationOutcome',
  ].map((k) => k.toLowerCase()),
);

/** Substrings that mark a key as secret (accessToken, refresh_token, clientSecret, x-api-key…). */
const SECRET_KEY_PARTS = ['token', 'secret', 'password', 'authorization', 'apikey', 'api-key', 'api_key', 'signature', 'credential'];

/** Bearer tokens and JWTs in free text (messages, error strings). */
const SECRET_TEXT = [/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g];

export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase();
  return SENSITIVE_KEYS.has(k) || SECRET_KEY_PARTS.some((p) => k.includes(p));
}

export function scrubText(text: string): string {
  let out = text;
  for (const re of SECRET_TEXT) out = out.replace(re, REDACTED);
  return out;
}

/** Returns a redacted deep copy; never mutates its input. Cycles and depth beyond 12 are cut. */
export function redactDeep(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth > 12) return '[Truncated]';
  seen.add(value);
  if (value instanceof Error) {
    const e = value as Error & { error?: unknown; status?: unknown; retryAfterSeconds?: unknown };
    const out: Record<string, unknown> = { type: e.name, message: scrubText(e.message) };
    if (typeof e.error === 'string') out.error = e.error;
    if (typeof e.status === 'number') out.status = e.status;
    if (typeof e.retryAfterSeconds === 'number') out.retryAfterSeconds = e.retryAfterSeconds;
    if (e.stack) out.stack = scrubText(e.stack.split('\n').slice(1).join('\n'));
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  const obj = value as Record<string, unknown>;
  // A FHIR resource anywhere (even logged as the whole object) is reduced to its type and id.
  if (typeof obj.resourceType === 'string') {
    const summary: Record<string, unknown> = { resourceType: obj.resourceType, body: REDACTED };
    if (typeof obj.id === 'string') summary.id = obj.id;
    return summary;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = isSensitiveKey(k) ? REDACTED : redactDeep(v, depth + 1, seen);
  return out;
}
