import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../../schemas/errors';

/**
 * Strict CSP: scripts, styles, images and connections from this origin only; no inline script
 * or style (the SVG graph is styled by classes from console.css), no framing, no plugins.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function securityHeaders(secure: boolean): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    // Not `no-referrer`: under it Chromium sends `Origin: null` with a same-origin form POST, and
    // the CSRF origin check then refuses every form (sign-in included). `same-origin` still sends
    // no referrer to any other site (found by test/browser/console.test.ts).
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...(secure ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}

export interface Reply {
  res: ServerResponse;
  secure: boolean;
}

export function send(r: Reply, status: number, contentType: string, body: string | Buffer, extra: Record<string, string | string[]> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  r.res.writeHead(status, { ...securityHeaders(r.secure), 'Content-Type': contentType, 'Content-Length': String(buf.length), 'Cache-Control': 'no-store', ...extra });
  r.res.end(buf);
}

export const sendHtml = (r: Reply, status: number, body: string, extra: Record<string, string | string[]> = {}): void => send(r, status, 'text/html; charset=utf-8', body, extra);

export const sendJson = (r: Reply, status: number, body: unknown, extra: Record<string, string | string[]> = {}): void =>
  send(r, status, 'application/json; charset=utf-8', JSON.stringify(body), extra);

export function redirect(r: Reply, location: string, extra: Record<string, string | string[]> = {}): void {
  r.res.writeHead(303, { ...securityHeaders(r.secure), Location: location, 'Cache-Control': 'no-store', 'Content-Length': '0', ...extra });
  r.res.end();
}

export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export class BodyError extends ApiError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('BadRequest', message, message);
  }
}

/** A form (urlencoded) or JSON body of at most 64 KiB, as string fields. */
export async function readFields(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 65_536) throw new BodyError(413, 'the request body is larger than 64 KiB');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim();
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new BodyError(400, 'the request body is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BodyError(400, 'the request body must be a JSON object');
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed))
      if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
      else if (Array.isArray(v)) out[k] = v.filter((x) => typeof x === 'string').join('\n');
    return out;
  }
  if (type === 'application/x-www-form-urlencoded' || type === '' || type === undefined) {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(text)) out[k] = k in out ? `${out[k]}\n${v}` : v;
    return out;
  }
  throw new BodyError(415, `unsupported content type ${type}: send a form or JSON`);
}
