import type { IncomingMessage } from 'node:http';
import type { PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { Clock } from '../../schemas/clock';
import type { BusPort, Logger } from '../../schemas/ports';
import { TriggerConfig } from '../../schemas/triggerConfig';
import { enrichIdOnlyChanges } from '../../triggers/fhir/enrichChanges';
import { SourceReaders } from '../../triggers/fhir/sourceReader';
import { findSource, verifyAndParse } from '../../triggers/fhir/notificationHandler';
import { RoutingAttributeExtractor } from '../../triggers/fhir/routingAttributes';
import { serverOf } from '../../triggers/fhir/serverOf';
import { toBusEntry, toChangeDetail } from '../../triggers/fhir/toBusEntry';
import { requireBearer } from '../../triggers/http/credentials';
import { HttpProblem, informationOutcome, operationOutcome } from '../../triggers/http/httpProblem';
import type { DedupeClaims } from './dynamoDedupe';
import { resolveSecretRefs, type SecretResolver } from './secrets';

/** A Lambda function URL request (payload format 2.0), the fields the endpoint reads. */
export interface FunctionUrlEvent {
  rawPath: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface FhirEndpointDeps {
  bus: BusPort;
  clock: Clock;
  log: Logger;
  /** Sources and routing attributes; built once per container. */
  config: () => Promise<{ config: TriggerConfig; extractor: RoutingAttributeExtractor }>;
  fetch?: typeof fetch;
  /** Claims on change keys across deliveries and containers; absent: every delivery publishes. */
  dedupe?: DedupeClaims;
}

/**
 * Endpoint configuration from the environment: CLINFLOW_SOURCES (JSON map of SourceConfig; any
 * credential may be a Secrets Manager ARN or `$secret:NAME`) and CLINFLOW_ROUTING_ATTRIBUTES (JSON).
 */
export async function endpointConfigFromEnv(env: NodeJS.ProcessEnv, secrets: SecretResolver): Promise<{ config: TriggerConfig; extractor: RoutingAttributeExtractor }> {
  const json = (name: string): unknown => {
    try {
      return JSON.parse(env[name] ?? '{}') as unknown;
    } catch {
      throw new Error(`${name} is not valid JSON`);
    }
  };
  const sources = await resolveSecretRefs(json('CLINFLOW_SOURCES'), secrets);
  const parsed = TriggerConfig.safeParse({ sources, routingAttributes: json('CLINFLOW_ROUTING_ATTRIBUTES') });
  // Zod's issues name paths, never the (secret) values.
  if (!parsed.success) throw new Error(`endpoint configuration is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { config: parsed.data, extractor: new RoutingAttributeExtractor(parsed.data.routingAttributes) };
}

const fhirJson = (statusCode: number, body: unknown, headers: Record<string, string> = {}): FunctionUrlResult => ({
  statusCode,
  headers: { 'content-type': 'application/fhir+json', ...headers },
  body: JSON.stringify(body),
});

const PATH = /^\/fhir\/notify\/([^/]+)((?:\/[^/]+)*)\/?$/;

/**
 * The FHIR notification endpoint as a Lambda behind a function URL: the local endpoint's checks and
 * parsers (triggers/), then one PutEvents to the stage bus. 2xx only after EventBridge accepted every
 * event; bad requests get 4xx with an OperationOutcome. With `dedupe`, a change already published
 * within the window (a sender's retry) is skipped and counted as a duplicate.
 */
export function createFhirEndpoint(deps: FhirEndpointDeps): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  let config: ReturnType<FhirEndpointDeps['config']> | undefined;
  // Per container: a source's SMART token is reused across invocations until it expires.
  const readers = new SourceReaders(deps.fetch ? { fetch: deps.fetch } : {});
  return async (event) => {
    try {
      if (!config) {
        config = deps.config();
        config.catch(() => (config = undefined));
      }
      let loaded: Awaited<typeof config>;
      try {
        loaded = await config;
      } catch (err) {
        deps.log.error({ error: err instanceof Error ? err.message : 'unknown' }, 'FHIR endpoint configuration failed');
        throw new HttpProblem(503, 'transient', 'the endpoint is not configured correctly; retry later', undefined, { 'Retry-After': '30' });
      }
      return await handle(event, loaded.config, loaded.extractor, readers, deps);
    } catch (err) {
      if (err instanceof HttpProblem) return fhirJson(err.status, operationOutcome(err), err.headers);
      deps.log.error({ error: err instanceof Error ? err.name : 'unknown' }, 'FHIR notification failed');
      return fhirJson(503, operationOutcome({ status: 503, code: 'transient', diagnostics: 'the notification could not be processed; retry later' }), { 'Retry-After': '5' });
    }
  };
}

async function handle(event: FunctionUrlEvent, config: TriggerConfig, extractor: RoutingAttributeExtractor, readers: SourceReaders, deps: FhirEndpointDeps): Promise<FunctionUrlResult> {
  const m = PATH.exec(event.rawPath);
  if (!m?.[1]) throw new HttpProblem(404, 'not-found', 'notification endpoints are /fhir/notify/{source}');
  const sourceName = decodeURIComponent(m[1]);
  const subpath = (m[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
  const source = findSource(config, sourceName);
  if (!source) throw new HttpProblem(404, 'not-found', 'no notification source of that name is configured');
  const method = event.requestContext.http.method.toUpperCase();
  const allowed = source.kind === 'medplum' ? ['POST'] : ['POST', 'PUT', 'DELETE'];
  if (!allowed.includes(method)) throw new HttpProblem(405, 'not-supported', `${method} is not allowed here`, undefined, { Allow: allowed.join(', ') });

  // The credential and body checks read only `headers`; function URLs deliver them lower-cased.
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const req = { headers } as unknown as IncomingMessage;
  if (source.auth.bearerToken !== undefined) requireBearer(req, [source.auth.bearerToken]);
  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length > config.maxBodyBytes) throw new HttpProblem(413, 'too-costly', `the body is larger than ${config.maxBodyBytes} bytes`);
  const parsed = verifyAndParse(req, raw, source, method, subpath, deps.clock.now());
  if (parsed.kind === 'status') return fhirJson(200, informationOutcome(`${parsed.status} received`));
  if (parsed.kind === 'query-back') throw new HttpProblem(422, 'not-supported', 'this notification carries no resource ids and polling is not available on this endpoint');

  const changes = await enrichIdOnlyChanges(parsed.changes, source, extractor, readers.for(source));
  const seen = new Set<string>();
  const unique = changes.filter((c) => !seen.has(c.dedupeKey) && seen.add(c.dedupeKey));
  const now = deps.clock.now();
  const claims = await Promise.all(unique.map((c) => claim(deps, c.dedupeKey, now)));
  const fresh = unique.filter((_, i) => claims[i] !== 'duplicate');
  const claimedKeys = unique.filter((_, i) => claims[i] === 'claimed').map((c) => c.dedupeKey);
  const time = new Date(now);
  const entries = fresh.map((c) => toBusEntry(toChangeDetail(c, serverOf(source), extractor), time));
  if (entries.length > 0) {
    let failed: number;
    let results: readonly PutEventsResultEntry[] = [];
    try {
      const out = await deps.bus.putEvents(entries);
      failed = out.FailedEntryCount;
      results = out.Entries;
    } catch (err) {
      deps.log.error({ error: err instanceof Error ? err.name : 'unknown' }, 'PutEvents failed');
      failed = entries.length;
    }
    const published = new Set(fresh.filter((_, i) => failed === 0 || (results[i]?.EventId !== undefined && results[i]?.ErrorCode === undefined)).map((c) => c.dedupeKey));
    await settle(deps, claimedKeys, published, now);
    if (failed > 0) throw new HttpProblem(503, 'transient', 'the event bus did not accept every event; retry later', undefined, { 'Retry-After': '5' });
  }
  deps.log.info({ source: sourceName, origin: parsed.origin, published: entries.length }, 'FHIR notification published');
  return fhirJson(200, informationOutcome(`${entries.length} event(s) published, ${changes.length - entries.length} duplicate(s) ignored`));
}

/**
 * Claim first, then publish, then confirm or release. Claiming first makes a concurrent re-delivery
 * a duplicate instead of a second publish; a failed PutEvents deletes its claims so the retry is
 * published; a claim whose outcome never lands (the function died) lapses after the short pending
 * TTL, not the whole window. When DynamoDB itself fails the change is published unclaimed: a
 * possible duplicate is better than a lost change.
 */
async function claim(deps: FhirEndpointDeps, key: string, now: number): Promise<'claimed' | 'duplicate' | 'unclaimed'> {
  if (!deps.dedupe) return 'unclaimed';
  try {
    return (await deps.dedupe.claim(key, now)) ? 'claimed' : 'duplicate';
  } catch (err) {
    deps.log.warn({ error: err instanceof Error ? err.name : 'unknown' }, 'dedupe claim failed; publishing without dedupe');
    return 'unclaimed';
  }
}

async function settle(deps: FhirEndpointDeps, claimed: readonly string[], published: ReadonlySet<string>, now: number): Promise<void> {
  const dedupe = deps.dedupe;
  if (!dedupe) return;
  const outcomes = await Promise.allSettled(claimed.map((key) => (published.has(key) ? dedupe.confirm(key, now) : dedupe.release(key))));
  const failures = outcomes.filter((o) => o.status === 'rejected').length;
  // A claim left pending lapses by itself: at worst a retry waits for it (release) or publishes again (confirm).
  if (failures > 0) deps.log.warn({ failures }, 'dedupe claims could not be settled');
}
