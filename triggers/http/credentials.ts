import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpProblem } from './httpProblem';

/** Constant-time string comparison: both sides are hashed first so lengths leak nothing either. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function bearerTokenOf(req: IncomingMessage): string | undefined {
  const auth = headerValue(req, 'authorization');
  const m = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return m?.[1];
}

const unauthorized = (why: string): HttpProblem => new HttpProblem(401, 'login', why, undefined, { 'WWW-Authenticate': 'Bearer' });

/**
 * Accepts when the bearer token equals one of `expected` (each compared in constant time); returns
 * the index of the matching token (a caller identity that is not the secret itself).
 */
export function requireBearer(req: IncomingMessage, expected: readonly string[]): number {
  const got = bearerTokenOf(req);
  if (got === undefined) throw unauthorized('missing bearer token');
  let match = -1;
  expected.forEach((token, i) => {
    if (constantTimeEqual(got, token) && match < 0) match = i; // no early exit
  });
  if (match < 0) throw unauthorized('invalid bearer token');
  return match;
}

/**
 * The `X-Signature` header, checked before any of the body is read: missing, or not 64 hex
 * digits (an HMAC-SHA256), is refused at once.
 */
export function requireSignatureHeader(req: IncomingMessage): string {
  const got = headerValue(req, 'x-signature')?.trim().toLowerCase();
  if (got === undefined || got === '') throw unauthorized('missing X-Signature');
  if (!/^[0-9a-f]{64}$/.test(got)) throw unauthorized('X-Signature must be a hex HMAC-SHA256');
  return got;
}

/** Compares the signature header with the HMAC computed over the body (constant time). */
export function requireSignatureMatches(signature: string, expectedHex: string): void {
  if (!constantTimeEqual(signature, expectedHex)) throw unauthorized('X-Signature does not match the body');
}

/** Verifies `X-Signature`: hex HMAC-SHA256 of the raw body bytes (Medplum's scheme). */
export function requireHmacSignature(req: IncomingMessage, rawBody: Buffer, secret: string): void {
  const got = requireSignatureHeader(req);
  requireSignatureMatches(got, createHmac('sha256', secret).update(rawBody).digest('hex'));
}

/**
 * Streaming verification: checks the header before the body is read, and returns the HMAC to feed
 * chunk by chunk and the check to run when the body has arrived.
 */
export function hmacVerifier(req: IncomingMessage, secret: string): { update: (chunk: Buffer) => void; verify: () => void } {
  const got = requireSignatureHeader(req);
  const hmac = createHmac('sha256', secret);
  return { update: (chunk) => void hmac.update(chunk), verify: () => requireSignatureMatches(got, hmac.digest('hex')) };
}
