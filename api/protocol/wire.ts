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

function epochSeconds(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(epochSeconds);
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = epochSeconds(v);
  return out;
}

export function sendAwsJson(res: ServerResponse, status: number, body: unknown, contentType: string): void {
  const text = toAwsJson(body ?? {});
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': requestId(res) });
  res.end(text);
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
