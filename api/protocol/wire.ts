import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from './awsError';

/** Largest request body the API reads (a 256 KiB payload plus its JSON envelope). */
export const MAX_API_BODY = 1024 * 1024;

/** Reads the raw body (the signature covers its bytes), refusing bodies over the limit. */
export async function readRawBody(req: IncomingMessage, maxBytes = MAX_API_BODY): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new AwsError('ValidationException', `Request body exceeds ${maxBytes} bytes`, 413);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new AwsError('ValidationException', `Request body exceeds ${maxBytes} bytes`, 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AwsError('SerializationException', 'The request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * JSON the AWS protocols' way: timestamps as epoch seconds (fractional milliseconds kept), which
 * is the default timestamp format of awsJson1_0, awsJson1_1 and restJson1 bodies.
 */
export function toAwsJson(value: unknown): string {
  // One walk, then JSON.stringify without a replacer: a replacer function takes V8 off its fast path
  // and doubled the cost of a 1000-event history page.
  return JSON.stringify(epochSeconds(value));
}

/** Array members serialised per JSON.stringify call when a response member is a long array. */
const BATCH = 100;

/**
 * The bytes of `toAwsJson(value)`, in pieces a socket writes without joining them, built faster for
 * large bodies: each member of the top-level object, and a long array (a history page's events) a
 * hundred members at a time, is serialised and encoded on its own. One JSON.stringify of a whole
 * page returns a rope that must be flattened before it is encoded, which cost three times the
 * serialisation itself.
 */
export function toAwsJsonParts(value: unknown): Buffer[] {
  const v = epochSeconds(value);
  if (v === null || typeof v !== 'object' || Array.isArray(v) || typeof (v as { toJSON?: unknown }).toJSON === 'function') return [Buffer.from(JSON.stringify(v) ?? '', 'utf8')];
  const parts: Buffer[] = [];
  let head = '{';
  for (const k of Object.keys(v)) {
    const member = (v as Record<string, unknown>)[k];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    if (Array.isArray(member) && member.length > BATCH) {
      parts.push(Buffer.from(`${head}${JSON.stringify(k)}:[`, 'utf8'));
      for (let i = 0; i < member.length; i += BATCH) {
        const batch = Buffer.from(JSON.stringify(member.slice(i, i + BATCH)), 'utf8');
        if (i > 0) parts.push(COMMA);
        parts.push(batch.subarray(1, batch.length - 1));
      }
      head = '],';
    } else {
      parts.push(Buffer.from(`${head}${JSON.stringify(k)}:${JSON.stringify(member)}`, 'utf8'));
      head = ',';
    }
  }
  parts.push(Buffer.from(head === '{' ? '{}' : head === '],' ? ']}' : '}', 'utf8'));
  return parts;
}

const COMMA = Buffer.from(',');

/**
 * `value` with its Dates as epoch seconds. Copy-on-write: an object or array with no Date below it
 * is returned as it is (a history event's details are walked, not copied). Undefined members are
 * left for JSON.stringify to drop, as it would have.
 */
function epochSeconds(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v === null || typeof v !== 'object') continue;
      const c = epochSeconds(v);
      if (c !== v) (out ??= value.slice())[i] = c;
    }
    return out ?? value;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (v === null || typeof v !== 'object') continue;
    const c = epochSeconds(v);
    if (c !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = c;
  }
  return out ?? value;
}

/** A response body already in its wire form (toAwsJsonParts), sent as it is. */
export class EncodedJson {
  readonly length: number;
  constructor(readonly parts: readonly Buffer[]) {
    let length = 0;
    for (const part of parts) length += part.length;
    this.length = length;
  }
}

export function sendAwsJson(res: ServerResponse, status: number, body: unknown, contentType: string): void {
  // Encoded once, written in its pieces: corked, node hands them to the socket in one writev.
  const encoded = body instanceof EncodedJson ? body : new EncodedJson(toAwsJsonParts(body ?? {}));
  const { parts, length } = encoded;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': length, 'x-amzn-RequestId': requestId(res) });
  res.cork();
  for (const part of parts) res.write(part);
  res.end();
  res.uncork();
}

/** The error body clients parse: `__type` (the SDKs strip any `namespace#`), `message` and `Message`. */
export function sendAwsError(res: ServerResponse, err: AwsError, contentType: string): void {
  const text = JSON.stringify({ __type: err.code, message: err.message, Message: err.message });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(err.status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'x-amzn-ErrorType': err.code, 'x-amzn-RequestId': requestId(res) });
  res.end(text);
}

function requestId(res: ServerResponse): string {
  return (res as ServerResponse & { requestId?: string }).requestId ?? '';
}
