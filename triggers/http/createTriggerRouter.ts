import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../schemas/clock';
import type { BusPort, Logger } from '../../schemas/ports';
import type { TriggerConfig } from '../../schemas/triggerConfig';
import type { Db } from '../../core/db/openDatabase';
import { IdempotencyStore } from '../events/idempotencyStore';
import { handlePutEvents } from '../events/putEventsHandler';
import { ChangePublisher } from '../fhir/changePublisher';
import { FhirPoller, type Timers, systemTimers } from '../fhir/fhirPoller';
import { handleNotification } from '../fhir/notificationHandler';
import { RoutingAttributeExtractor } from '../fhir/routingAttributes';
import { SubscriptionProgressStore } from '../fhir/subscriptionProgress';
import { HttpProblem } from './httpProblem';
import { TriggerMetrics } from './metrics';
import { BodyTooLarge } from './readBody';
import { ReadLimiter } from './readLimiter';
import { SourceReaders } from '../fhir/sourceReader';
import { sendJson, sendProblem } from './respond';

export interface TriggerDeps {
  db: Db;
  bus: BusPort;
  clock: Clock;
  fetch?: typeof fetch;
  logger?: Logger;
  timers?: Timers;
  /** Bus name put on FHIR change events; the default bus when absent. */
  eventBusName?: string;
  /**
   * Connection for the dedupe table. Default: `db`, which a local bus on the same connection
   * writes the keys in with the events (one transaction, one fsync: a notification retried after a
   * crash is published exactly once). Another bus ignores that, and the keys follow its answer.
   */
  dedupeDb?: Db;
  /** Keyed digest for stored dedupe keys (PayloadCodec.digest: an HMAC with the encryption key). */
  dedupeDigest?: (key: string) => string;
  /** Monotonic seconds for latency measurement (process.hrtime by default). */
  monotonicSeconds?: () => number;
  /** Readiness checks of the process around the router (e.g. `workflows`: every definition loaded); any false makes /health not ready. */
  readiness?: () => Record<string, boolean>;
}

export interface TriggerRouter {
  /** Handles the request if it is one of ours (`/fhir/notify/…`, `/events`, `/health`, `/metrics`); false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  poller: FhirPoller;
  publisher: ChangePublisher;
  metrics: TriggerMetrics;
  /** Marks the router as draining: health says not ready, new requests get 503. */
  drain(): void;
  /** Requests being handled right now. */
  inFlight(): number;
  /** Starts what runs in the background: polling (and resumed query-backs) and the hourly dedupe purge. */
  start(): void;
  /** Stops the background work and closes the router's own database connection (if it opened one). */
  stop(): Promise<void>;
}

const PURGE_EVERY_MS = 3_600_000;

const NOTIFY_PREFIX = '/fhir/notify/';

/** An unexpected error without its message: the name and where it was thrown (code locations, no data). */
export function describeError(err: unknown): { name: string; at: string[] } {
  if (!(err instanceof Error)) return { name: typeof err, at: [] };
  const at = (err.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 5)
    .map((l) => l.trim());
  return { name: err.name, at };
}

const defaultMonotonic = (): number => Number(process.hrtime.bigint()) / 1e9;

/**
 * The trigger endpoints as a request handler that `clinflow dev` can mount beside others
 * (createHttpServer wraps it in its own server).
 */
export function createTriggerRouter(config: TriggerConfig, deps: TriggerDeps): TriggerRouter {
  const metrics = new TriggerMetrics();
  const extractor = new RoutingAttributeExtractor(config.routingAttributes);
  // The dedupe keys share the bus's connection, so the local bus commits them with the events.
  const publisher = new ChangePublisher(deps.dedupeDb ?? deps.db, deps.bus, extractor, deps.clock, {
    ...(deps.eventBusName !== undefined ? { eventBusName: deps.eventBusName } : {}),
    ...(deps.dedupeDigest ? { dedupeDigest: deps.dedupeDigest } : {}),
  });
  // One reader per source for polling and read-backs alike: a SMART token is fetched once.
  const readers = new SourceReaders(deps.fetch ? { fetch: deps.fetch } : {});
  const poller = new FhirPoller(config.sources, {
    db: deps.db,
    publisher,
    clock: deps.clock,
    readers,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.timers ? { timers: deps.timers } : {}),
  });
  const progress = new SubscriptionProgressStore(deps.db);
  const idempotency = new IdempotencyStore(deps.db);
  const unauthenticatedReads = new ReadLimiter(config.maxUnauthenticatedReadsPerSource);
  const monotonic = deps.monotonicSeconds ?? defaultMonotonic;
  const timers = deps.timers ?? systemTimers;
  let purgeTimer: unknown;
  let stopped = false;
  const purge = (): void => {
    if (stopped) return;
    try {
      publisher.purgeDedupeKeys(deps.clock.now() - config.dedupeRetentionHours * 3_600_000);
      idempotency.purgeBefore(deps.clock.now() - config.dedupeRetentionHours * 3_600_000);
    } catch (err) {
      deps.logger?.warn({ error: err instanceof Error ? err.message : String(err) }, 'dedupe purge failed');
    }
    purgeTimer = timers.setTimeout(purge, PURGE_EVERY_MS);
  };
  let draining = false;
  let inFlight = 0;

  const dbReachable = (): boolean => {
    try {
      return deps.db.prepare('SELECT 1').pluck().get() === 1;
    } catch {
      return false;
    }
  };

  async function route(req: IncomingMessage, res: ServerResponse, path: string, endpoint: string): Promise<void> {
    if (draining) throw new HttpProblem(503, 'transient', 'shutting down; retry later', undefined, { 'Retry-After': '1' });
    if (endpoint === 'fhir-notify') {
      const segments = path
        .slice(NOTIFY_PREFIX.length)
        .split('/')
        .filter((s) => s !== '');
      const [source, ...subpath] = segments.map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          throw new HttpProblem(400, 'value', 'the path is not valid percent-encoding');
        }
      });
      if (source === undefined) throw new HttpProblem(404, 'not-found', 'the path must name a source: /fhir/notify/{source}');
      await handleNotification(req, res, source, subpath, {
        config,
        publisher,
        poller,
        clock: deps.clock,
        metrics,
        extractor,
        progress,
        readers,
        unauthenticatedReads,
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
      return;
    }
    await handlePutEvents(req, res, { config, bus: deps.bus, metrics, idempotency, now: () => deps.clock.now() });
  }

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/health') {
      const db = dbReachable();
      const checks = { database: db, ...deps.readiness?.() };
      const ready = Object.values(checks).every(Boolean) && !draining;
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ok' : draining ? 'draining' : 'degraded', live: true, ready, checks });
      return true;
    }
    if (path === '/metrics') {
      const text = metrics.render();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return true;
    }
    const endpoint = path.startsWith(NOTIFY_PREFIX) ? 'fhir-notify' : path === '/events' ? 'events' : undefined;
    if (endpoint === undefined) return false;

    const started = monotonic();
    inFlight += 1;
    route(req, res, path, endpoint)
      .catch((err: unknown) => {
        const problem = err instanceof HttpProblem ? err : new HttpProblem(500, 'exception', 'internal error; the request was not processed');
        // Unexpected errors are logged by name and stack frames only: a message may quote the request (PHI).
        if (!(err instanceof HttpProblem)) deps.logger?.error({ endpoint, error: describeError(err) }, 'trigger request failed');
        // A refused body was not read to the end: close rather than drain it.
        sendProblem(res, problem, !req.readableEnded || err instanceof BodyTooLarge);
      })
      .finally(() => {
        inFlight -= 1;
        metrics.inc('clinflow_trigger_requests_total', { endpoint, status: String(res.statusCode) });
        metrics.observeLatency(monotonic() - started);
        deps.logger?.debug({ endpoint, status: res.statusCode }, 'trigger request');
      });
    return true;
  }

  return {
    handle,
    poller,
    publisher,
    metrics,
    drain: () => {
      draining = true;
    },
    inFlight: () => inFlight,
    start: () => {
      poller.start();
      purge();
    },
    stop: async () => {
      stopped = true;
      if (purgeTimer !== undefined) timers.clearTimeout(purgeTimer);
      await poller.stop();
    },
  };
}
