import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { BusPort } from '../../schemas/ports';
import type { TriggerConfig } from '../../schemas/triggerConfig';
import { requireBearer } from '../http/credentials';
import { HttpProblem } from '../http/httpProblem';
import type { TriggerMetrics } from '../http/metrics';
import { jsonDepthExceeds, parseJsonBody, readBody, requireJsonContentType } from '../http/readBody';
import { sendJson } from '../http/respond';
import { isObject } from '../fhir/references';
import { IdempotencyStore } from './idempotencyStore';
import { type EventCaller, reservedSourceRefusal } from './reservedSources';

/** EventBridge's limits: 10 entries per call, 256 KB per request. */
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

const EVENT_JSON_TYPES = new Set(['application/json', 'application/x-amz-json-1.1']);

type EntryCheck = { entry: PutEventsRequestEntry } | { error: PutEventsResultEntry };

const invalid = (ErrorMessage: string, ErrorCode = 'InvalidArgument'): EntryCheck => ({ error: { ErrorCode, ErrorMessage } });

/**
 * Validates one entry as PutEvents would; a bad entry fails alone, the others go through. `caller`
 * is who is putting it: a `client` (any API) may not use the reserved `clinflow.*` sources.
 */
export function checkEntry(raw: unknown, caller: EventCaller = 'client'): EntryCheck {
  if (!isObject(raw)) return invalid('an entry must be an object');
  const { Source, DetailType, Detail, Resources, Time, EventBusName, TraceHeader } = raw;
  if (typeof Source !== 'string' || Source.length === 0 || Source.length > 256) return invalid('Parameter Source is not valid. Reason: Source is a required argument.');
  const refused = reservedSourceRefusal(Source, caller);
  if (refused) return { error: refused };
  if (typeof DetailType !== 'string' || DetailType.length === 0 || DetailType.length > 128) return invalid('Parameter DetailType is not valid. Reason: DetailType is a required argument.');
  if (typeof Detail !== 'string' || Detail.length === 0) return invalid('Parameter Detail is not valid. Reason: Detail is a required argument.');
  let detail: unknown;
  try {
    detail = JSON.parse(Detail);
  } catch {
    return invalid('Detail is malformed.', 'MalformedDetail');
  }
  if (!isObject(detail)) return invalid('Detail is malformed.', 'MalformedDetail');
  if (Resources !== undefined && (!Array.isArray(Resources) || !Resources.every((r) => typeof r === 'string'))) return invalid('Parameter Resources is not valid.');
  let time: Date | undefined;
  if (Time !== undefined) {
    time = typeof Time === 'number' ? new Date(Time * 1000) : typeof Time === 'string' ? new Date(Time) : undefined;
    if (time === undefined || Number.isNaN(time.getTime())) return invalid('Parameter Time is not valid.');
  }
  if (EventBusName !== undefined && typeof EventBusName !== 'string') return invalid('Parameter EventBusName is not valid.');
  if (TraceHeader !== undefined && typeof TraceHeader !== 'string') return invalid('Parameter TraceHeader is not valid.');
  return {
    entry: {
      Source,
      DetailType,
      Detail,
      ...(Resources !== undefined ? { Resources: Resources } : {}),
      ...(time !== undefined ? { Time: time } : {}),
      ...(EventBusName !== undefined ? { EventBusName } : {}),
      ...(TraceHeader !== undefined ? { TraceHeader } : {}),
    },
  };
}

export interface PutEventsDeps {
  config: TriggerConfig;
  bus: BusPort;
  metrics: TriggerMetrics;
  /** Answers kept for `Idempotency-Key`; without it the header is ignored. */
  idempotency?: IdempotencyStore;
  now?: () => number;
}

const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;
/** Entry errors a retry may get past: an answer holding one is not kept for the key. */
const TRANSIENT_ERRORS = new Set(['InternalFailure', 'ThrottlingException']);

/**
 * `POST /events` with `{Entries:[…]}`: answers PutEvents' `{FailedEntryCount, Entries}` after the bus
 * stored them. With `Idempotency-Key`, a retry of the same request gets the first answer
 * (`Idempotent-Replayed: true`) and publishes nothing; the same key with another body is 422.
 */
export async function handlePutEvents(req: IncomingMessage, res: ServerResponse, deps: PutEventsDeps): Promise<void> {
  const tokens = deps.config.events?.bearerTokens;
  if (!tokens) throw new HttpProblem(404, 'not-found', 'the events endpoint is not enabled');
  if (req.method !== 'POST') throw new HttpProblem(405, 'not-supported', `${req.method} is not allowed here`, undefined, { Allow: 'POST' });
  const caller = tokens[requireBearer(req, tokens)] ?? '';
  const rawKey = req.headers['idempotency-key'];
  const key = Array.isArray(rawKey) ? rawKey[0] : rawKey;
  if (key !== undefined && !IDEMPOTENCY_KEY_RE.test(key)) throw new HttpProblem(400, 'value', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  const raw = await readBody(req, Math.min(deps.config.maxBodyBytes, MAX_REQUEST_BYTES * 2));
  requireJsonContentType(req, EVENT_JSON_TYPES);
  const idem = key !== undefined && deps.idempotency ? { store: deps.idempotency, id: IdempotencyStore.idOf(caller, key), digest: IdempotencyStore.digestOf(raw) } : undefined;
  if (idem) {
    const earlier = idem.store.lookup(idem.id);
    if (earlier && earlier.requestDigest !== idem.digest) throw new HttpProblem(422, 'conflict', 'this Idempotency-Key was used with a different request body');
    if (earlier) {
      res.writeHead(earlier.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(earlier.body), 'Idempotent-Replayed': 'true' });
      res.end(earlier.body);
      return;
    }
    if (inFlightKeys.has(idem.id)) throw new HttpProblem(409, 'conflict', 'a request with this Idempotency-Key is still being processed; retry later', undefined, { 'Retry-After': '1' });
  }
  if (idem) inFlightKeys.add(idem.id);
  try {
    await putEntries(raw, res, deps, idem);
  } finally {
    if (idem) inFlightKeys.delete(idem.id);
  }
}

/** Keys being processed right now, process-wide (one process serves the endpoint). */
const inFlightKeys = new Set<string>();

async function putEntries(raw: Buffer, res: ServerResponse, deps: PutEventsDeps, idem: { store: IdempotencyStore; id: string; digest: string } | undefined): Promise<void> {
  const body = parseJsonBody(raw, deps.config.maxJsonDepth);
  if (!isObject(body) || !Array.isArray(body.Entries)) throw new HttpProblem(400, 'required', 'the body must be {"Entries": [...]}', 'Entries');
  const rawEntries: unknown[] = body.Entries;
  if (rawEntries.length === 0 || rawEntries.length > MAX_ENTRIES) throw new HttpProblem(400, 'value', `Entries must hold 1 to ${MAX_ENTRIES} entries`, 'Entries');

  // A Detail too deep for the bus's pattern matcher can never be delivered: refuse the request (400), not 5xx.
  const maxDepth = deps.config.maxJsonDepth;
  if (rawEntries.some((e) => isObject(e) && typeof e.Detail === 'string' && jsonDepthExceeds(e.Detail, maxDepth))) {
    throw new HttpProblem(400, 'too-costly', `a Detail nests deeper than ${maxDepth} levels`, 'Entries.Detail');
  }
  const checks = rawEntries.map((e) => checkEntry(e, 'client'));
  const valid = checks.flatMap((c) => ('entry' in c ? [c.entry] : []));
  const size = valid.reduce((n, e) => n + entrySize(e), 0);
  if (size > MAX_REQUEST_BYTES) throw new HttpProblem(413, 'too-costly', `the entries total ${size} bytes; PutEvents takes at most ${MAX_REQUEST_BYTES}`, 'Entries');

  // The answer: each entry's own refusal, or the bus's result for it, in request order.
  const answer = (stored: readonly PutEventsResultEntry[]): { FailedEntryCount: number; Entries: PutEventsResultEntry[] } => {
    let next = 0;
    const Entries = checks.map((c): PutEventsResultEntry => ('error' in c ? c.error : (stored[next++] ?? { ErrorCode: 'InternalFailure', ErrorMessage: 'no result from the bus' })));
    return { FailedEntryCount: Entries.filter((e) => e.ErrorCode !== undefined).length, Entries };
  };
  let recorded = false;
  const record = (body: { FailedEntryCount: number; Entries: PutEventsResultEntry[] }): void => {
    recorded = true;
    if (!idem || body.Entries.some((e) => e.ErrorCode !== undefined && TRANSIENT_ERRORS.has(e.ErrorCode))) return;
    idem.store.record(idem.id, { requestDigest: idem.digest, status: 200, body: JSON.stringify(body) }, deps.now?.() ?? Date.now());
  };
  let stored: PutEventsResultEntry[] = [];
  if (valid.length > 0) {
    try {
      // A bus on the idempotency store's database commits the answer with the events.
      stored = (await deps.bus.putEvents(valid, idem ? { db: idem.store.db, write: (r) => record(answer(r.Entries)) } : undefined)).Entries;
    } catch {
      throw new HttpProblem(503, 'transient', 'the event bus is unavailable; retry later', undefined, { 'Retry-After': '5' });
    }
  }
  const result = answer(stored);
  deps.metrics.inc('clinflow_events_accepted_total', {}, result.Entries.length - result.FailedEntryCount);
  deps.metrics.inc('clinflow_events_failed_total', {}, result.FailedEntryCount);
  if (!recorded) record(result);
  sendJson(res, 200, result);
}

/** PutEvents entry size as AWS documents it: 14 bytes for Time plus the UTF-8 bytes of the strings. */
export function entrySize(e: PutEventsRequestEntry): number {
  const b = (s: string | undefined): number => (s === undefined ? 0 : Buffer.byteLength(s));
  return 14 + b(e.Source) + b(e.DetailType) + b(e.Detail) + (e.Resources ?? []).reduce((n, r) => n + b(r), 0);
}
