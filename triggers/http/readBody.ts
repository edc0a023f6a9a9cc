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
 * is read, a chunked body as soon as the running total passes it. `onChunk` sees each chunk as it
 * arrives (an HMAC is computed while the body streams in, not in a second pass).
 */
export async function readBody(req: IncomingMessage, maxBytes: number, onChunk?: (chunk: Buffer) => void): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw new BodyTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new BodyTooLarge(maxBytes);
    onChunk?.(chunk);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Default for `maxDepth` where no configuration reaches (the Lambda endpoint). */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth`: one pass over the characters,
 * skipping strings, before JSON.parse builds anything. A deep body is refused as a 400 at parse
 * time; past this point recursive code (routing attributes, event patterns) would overflow the
 * stack and answer a 5xx that senders retry forever.
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);

/** FHIR JSON only: `application/fhir+json` or `application/json` (parameters such as charset allowed). */
export function requireJsonContentType(req: IncomingMessage, accepted: ReadonlySet<string> = JSON_TYPES): void {
  const raw = req.headers['content-type'];
  const mediaType = raw?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || mediaType === '') throw new HttpProblem(415, 'not-supported', 'Content-Type is missing; send application/fhir+json');
  if (!accepted.has(mediaType)) throw new HttpProblem(415, 'not-supported', `Content-Type ${mediaType.slice(0, 80)} is not supported; send application/fhir+json`);
  const charset = /charset=([^;]+)/i
    .exec(raw ?? '')?.[1]
    ?.trim()
    .replace(/"/g, '')
    .toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new HttpProblem(415, 'not-supported', `charset ${charset.slice(0, 40)} is not supported; send UTF-8`);
}

/** Parses JSON and says where it broke, without echoing the body; refuses nesting deeper than `maxDepth` (400). */
export function parseJsonBody(body: Buffer, maxDepth = MAX_JSON_DEPTH): unknown {
  const text = body.toString('utf8');
  if (jsonDepthExceeds(text, maxDepth)) throw new HttpProblem(400, 'too-costly', `the body nests deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message.replace(/"[^"]*"/g, '…').slice(0, 160) : 'invalid JSON';
    throw new HttpProblem(400, 'structure', `the body is not valid JSON (${detail})`);
  }
}
