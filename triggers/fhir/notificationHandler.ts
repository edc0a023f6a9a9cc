import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../schemas/clock';
import type { Logger } from '../../schemas/ports';
import type { SourceConfig, TriggerConfig } from '../../schemas/triggerConfig';
import { hmacVerifier, requireBearer, requireHmacSignature } from '../http/credentials';
import { HttpProblem, informationOutcome } from '../http/httpProblem';
import type { TriggerMetrics } from '../http/metrics';
import { MAX_JSON_DEPTH, parseJsonBody, readBody, requireJsonContentType } from '../http/readBody';
import type { ReadLimiter } from '../http/readLimiter';
import type { SourceReaders } from './sourceReader';
import { sendJson } from '../http/respond';
import type { ChangePublisher } from './changePublisher';
import type { FhirPoller } from './fhirPoller';
import { enrichIdOnlyChanges } from './enrichChanges';
import { parseNotification } from './parseNotification';
import { type ParsedNotification, dedupeScopeOf } from './resourceChange';
import type { RoutingAttributeExtractor } from './routingAttributes';
import type { SubscriptionProgressStore } from './subscriptionProgress';
import { serverOf } from './serverOf';
import { requireFhirChanges, stableDedupeKeys } from './validateChanges';

export interface NotificationHandlerDeps {
  config: TriggerConfig;
  publisher: ChangePublisher;
  poller: FhirPoller;
  clock: Clock;
  metrics: TriggerMetrics;
  extractor: RoutingAttributeExtractor;
  progress: SubscriptionProgressStore;
  /** Reads id-only changes back from their source (core/fhir's reader, with the source's outbound credentials). */
  readers: SourceReaders;
  logger?: Logger;
  /** Bounds concurrent body reads of senders not yet authenticated (HMAC-only sources), per source. */
  unauthenticatedReads?: ReadLimiter;
}

export interface VerifyOptions {
  /** The HMAC was already verified while the body streamed in (the local endpoint). */
  signatureVerified?: boolean;
  maxJsonDepth?: number;
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function findSource(config: TriggerConfig, name: string): SourceConfig | undefined {
  return Object.hasOwn(config.sources, name) ? config.sources[name] : undefined;
}

/**
 * The checks and parsing every notification endpoint shares (the local server and the Lambda
 * function URL): the HMAC signature over the raw bytes, the content type, the JSON, then the
 * sender's shape, then what the changes may name (R4 resource types). Throws HttpProblem for
 * anything refused. Dedupe keys are scoped by the source's `dedupeId` (else its base URL).
 */
export function verifyAndParse(
  req: IncomingMessage,
  raw: Buffer,
  source: SourceConfig,
  method: string,
  subpath: readonly string[],
  receivedAt: number,
  options: VerifyOptions = {},
): ParsedNotification {
  if (source.auth.hmacSecret !== undefined && !options.signatureVerified) requireHmacSignature(req, raw, source.auth.hmacSecret);
  let body: unknown;
  if (raw.length > 0 && method !== 'DELETE') {
    requireJsonContentType(req);
    body = parseJsonBody(raw, options.maxJsonDepth ?? MAX_JSON_DEPTH);
  }
  const medplumInteraction = header(req, 'x-medplum-interaction');
  const medplumDeletedResource = header(req, 'x-medplum-deleted-resource');
  const userAgent = header(req, 'user-agent');
  const request = {
    method,
    subpath,
    body,
    ...(medplumInteraction !== undefined ? { medplumInteraction } : {}),
    ...(medplumDeletedResource !== undefined ? { medplumDeletedResource } : {}),
    ...(userAgent !== undefined ? { userAgent } : {}),
  };
  const server = serverOf(source);
  const parsed = parseNotification(source, request, { server, receivedAt });
  if (parsed.kind !== 'changes') return parsed;
  requireFhirChanges(parsed.changes);
  return { ...parsed, changes: stableDedupeKeys(parsed.changes, { server, scope: dedupeScopeOf(source), body: raw }) };
}

/**
 * `/fhir/notify/{source}[/{type}/{id}]`. Checks in order of cost (source, method, bearer token,
 * size, signature, content type, JSON, shape), publishes, and answers 2xx only after the bus
 * stored every event. Throws HttpProblem for anything refused; the caller renders it.
 */
export async function handleNotification(req: IncomingMessage, res: ServerResponse, sourceName: string, subpath: readonly string[], deps: NotificationHandlerDeps): Promise<void> {
  const source = findSource(deps.config, sourceName);
  if (!source) throw new HttpProblem(404, 'not-found', 'no notification source of that name is configured');
  const method = req.method ?? 'GET';
  const allowed = source.kind === 'medplum' ? ['POST'] : ['POST', 'PUT', 'DELETE'];
  if (!allowed.includes(method)) throw new HttpProblem(405, 'not-supported', `${method} is not allowed here`, undefined, { Allow: allowed.join(', ') });
  if (source.auth.bearerToken !== undefined) requireBearer(req, [source.auth.bearerToken]);

  // An HMAC is checked as the body streams in: a missing or malformed signature is refused before
  // any byte is read, and a source authenticated only by it has a bounded number of reads at once.
  const hmac = source.auth.hmacSecret !== undefined ? hmacVerifier(req, source.auth.hmacSecret) : undefined;
  const release = source.auth.bearerToken === undefined ? deps.unauthenticatedReads?.acquire(sourceName) : undefined;
  let raw: Buffer;
  try {
    raw = await readBody(req, deps.config.maxBodyBytes, hmac?.update);
  } finally {
    release?.();
  }
  hmac?.verify();
  const parsed = verifyAndParse(req, raw, source, method, subpath, deps.clock.now(), { signatureVerified: hmac !== undefined, maxJsonDepth: deps.config.maxJsonDepth });

  switch (parsed.kind) {
    case 'status':
      noticeMissedEvents(sourceName, parsed, deps);
      deps.metrics.inc('clinflow_fhir_notifications_total', { origin: parsed.origin, kind: parsed.status });
      sendJson(res, 200, informationOutcome(`${parsed.status} received`), 'application/fhir+json');
      return;
    case 'query-back':
      if (!deps.poller.canPoll(sourceName)) {
        throw new HttpProblem(422, 'not-supported', 'this notification carries no resource ids and the source has no polling queries to query back with');
      }
      deps.poller.requestPoll(sourceName);
      if (parsed.progress) deps.progress.observe(sourceName, parsed.progress);
      deps.metrics.inc('clinflow_fhir_notifications_total', { origin: parsed.origin, kind: 'query-back' });
      sendJson(res, 202, informationOutcome('query-back scheduled'), 'application/fhir+json');
      return;
    case 'changes': {
      const changes = await enrichIdOnlyChanges(parsed.changes, source, deps.extractor, deps.readers.for(source));
      const result = await deps.publisher.publish(changes, serverOf(source));
      noticeMissedEvents(sourceName, parsed, deps);
      deps.metrics.inc('clinflow_fhir_notifications_total', { origin: parsed.origin, kind: 'changes' });
      deps.metrics.inc('clinflow_fhir_events_published_total', { origin: parsed.origin }, result.published);
      deps.metrics.inc('clinflow_fhir_events_deduped_total', { origin: parsed.origin }, result.deduped);
      sendJson(res, 200, informationOutcome(`${result.published} event(s) published, ${result.deduped} duplicate(s) ignored`), 'application/fhir+json');
      return;
    }
  }
}

/** Missed topic-based notifications (a gap in event numbers) are recovered by a query-back when the source can be polled. */
function noticeMissedEvents(sourceName: string, parsed: ParsedNotification, deps: NotificationHandlerDeps): void {
  if (!parsed.progress) return;
  const gap = deps.progress.observe(sourceName, parsed.progress);
  if (!gap) return;
  deps.metrics.inc('clinflow_fhir_notification_gaps_total', { origin: parsed.origin });
  if (deps.poller.canPoll(sourceName)) deps.poller.requestPoll(sourceName);
  else deps.logger?.warn({ source: sourceName }, 'missed subscription notifications and no polling queries to recover them');
}
