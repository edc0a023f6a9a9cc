import type { IncomingMessage } from 'node:http';
import { HttpProblem } from './httpProblem';

/** Thrown when the body is over the limit: the caller answers 413 and closes the connection. */
export class BodyTooLarge extends HttpProblem {
  constructor(limit: number) {
    super(413, 'too-costly', `request body exceeds the limit of ${limit} bytes`);
  }
}

/**
 * Reads the raw body, refusing early: a Content-Length over the limit is refused before any byte
 * is read, a chunked body as soon as the running total passes it.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw new BodyTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new BodyTooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);

/** FHIR JSON only: `application/fhir+json` or `application/json` (parameters such as charset allowed). */
export function requireJsonContentType(req: IncomingMessage, accepted: ReadonlySet<string> = JSON_TYPES): void {
  const raw = req.headers['content-type'];
  const mediaType = raw?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || mediaType === '') throw new HttpProblem(415, 'not-supported', 'Content-Type is missing; send application/fhir+json');
  if (!accepted.has(mediaType)) throw new HttpProblem(415, 'not-supported', `Content-Type ${mediaType.slice(0, 80)} is not supported; send application/fhir+json`);
  const charset = /charset=([^;]+)/i.exec(raw ?? '')?.[1]?.trim().replace(/"/g, '').toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new HttpProblem(415, 'not-supported', `charset ${charset.slice(0, 40)} is not supported; send UTF-8`);
}

/** Parses JSON and says where it broke, without echoing the body. */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message.replace(/"[^"]*"/g, '…').slice(0, 160) : 'invalid JSON';
    throw new HttpProblem(400, 'structure', `the body is not valid JSON (${detail})`);
  }
}
