import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../protocol/awsError';

/** A key the server accepts; `readOnly` keys may list and describe but not change anything. */
export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  readOnly?: boolean;
  /** clinflow's own components (its AWS adapters): may publish the reserved `clinflow.*` event sources. */
  service?: boolean;
}

export interface SignedRequest {
  method: string;
  /** The path and query as sent (`req.url`). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface VerifiedCaller {
  accessKeyId: string;
  readOnly: boolean;
  service: boolean;
  region: string;
  signingService: string;
}

/** AWS refuses a request whose X-Amz-Date is more than 15 minutes from its clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 unreserved characters stay; everything else is %XX (upper case), as SigV4 requires. */
function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** `20240101T000000Z` → epoch ms, or NaN. */
function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return Number.NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

const toAmzDate = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** The canonical request of SigV4 for a non-S3 service (each path segment URI-encoded again). */
export function canonicalRequest(req: SignedRequest, signedHeaders: readonly string[], payloadHash: string): string {
  const [rawPath = '/', rawQuery = ''] = req.url.split('?', 2) as [string, string?];
  const path =
    rawPath
      .split('/')
      .map((seg) => uriEscape(safeDecode(seg)))
      .join('/') || '/';
  const query = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const k = i < 0 ? p : p.slice(0, i);
      const v = i < 0 ? '' : p.slice(i + 1);
      return [uriEscape(safeDecode(k)), uriEscape(safeDecode(v))] as const;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders.map((h) => `${h}:${(header(req.headers, h) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [req.method.toUpperCase(), path, query, headers, signedHeaders.join(';'), payloadHash].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** Derived keys change once a day per key, region and service, so they are kept (as the SDKs do when signing). */
const derivedKeys = new Map<string, Buffer>();
function cachedSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${date}\n${region}\n${service}\n${secret}`;
  let key = derivedKeys.get(id);
  if (!key) {
    if (derivedKeys.size >= 64) derivedKeys.clear();
    derivedKeys.set(id, (key = signingKey(secret, date, region, service)));
  }
  return key;
}

/**
 * Verifies an AWS Signature Version 4 `Authorization` header against the known keys and the
 * server's clock. Errors carry the codes AWS's JSON services return for the same faults.
 */
export function verifySigV4(req: SignedRequest, keys: ReadonlyMap<string, AccessKey>, nowMs: number): VerifiedCaller {
  const auth = header(req.headers, 'authorization');
  if (auth === undefined || auth === '') throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(auth);
  if (!m) throw new AwsError('IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature parameters (AWS4-HMAC-SHA256)');
  const [accessKeyId, date, region, service, terminator] = (m[1] ?? '').split('/');
  if (!accessKeyId || !date || !region || !service || terminator !== 'aws4_request')
    throw new AwsError('IncompleteSignatureException', 'Credential must have the form <key>/<date>/<region>/<service>/aws4_request');
  const signedHeaders = (m[2] ?? '').split(';');
  if (!signedHeaders.includes('host')) throw new AwsError('IncompleteSignatureException', "'Host' must be a signed header");
  const amzDate = header(req.headers, 'x-amz-date');
  if (amzDate === undefined || !signedHeaders.includes('x-amz-date')) throw new AwsError('IncompleteSignatureException', "Authorization header requires existence of a signed 'X-Amz-Date' header");
  const signedAt = parseAmzDate(amzDate);
  if (Number.isNaN(signedAt)) throw new AwsError('IncompleteSignatureException', `X-Amz-Date '${amzDate.slice(0, 32)}' is not in ISO 8601 basic format (YYYYMMDDTHHMMSSZ)`);
  if (amzDate.slice(0, 8) !== date)
    throw new AwsError('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}'`);
  if (signedAt < nowMs - MAX_SKEW_MS) {
    throw new AwsError('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than ${toAmzDate(nowMs - MAX_SKEW_MS)} (${toAmzDate(nowMs)} - 15 min.)`);
  }
  if (signedAt > nowMs + MAX_SKEW_MS) {
    throw new AwsError('InvalidSignatureException', `Signature not yet current: ${amzDate} is still later than ${toAmzDate(nowMs + MAX_SKEW_MS)} (${toAmzDate(nowMs)} + 15 min.)`);
  }
  const key = keys.get(accessKeyId);
  if (!key) throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const payloadHash = header(req.headers, 'x-amz-content-sha256') ?? sha256(req.body);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(req.body))
    throw new AwsError('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest(req, signedHeaders, payloadHash))].join('\n');
  const expected = createHmac('sha256', cachedSigningKey(key.secretAccessKey, date, region, service))
    .update(stringToSign, 'utf8')
    .digest();
  const given = Buffer.from(m[3] ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AwsError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { accessKeyId, readOnly: key.readOnly === true, service: key.service === true, region, signingService: service };
}
