import type { Clock } from '../../schemas/clock';
import type { Logger } from '../../schemas/ports';
import type { SourceConfig } from '../../schemas/triggerConfig';
import type { Db } from '../../core/db/openDatabase';
import { FhirError } from '../../schemas/errors';
import type { ChangePublisher } from './changePublisher';
import { interactionFromVersion } from './parseRestHook';
import { PollStore } from './pollStore';
import { isObject, requireResource, versionOf } from './references';
import { type ResourceChange, dedupeKeyFor, dedupeScopeOf } from './resourceChange';
import { serverOf } from './serverOf';
import { SourceReaders } from './sourceReader';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref'd so a pending poll never keeps the process alive on its own. */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface PollerDeps {
  db: Db;
  publisher: ChangePublisher;
  clock: Clock;
  fetch?: typeof fetch;
  /** Shared with the notification endpoint, so a source has one SMART token; built from `fetch` when absent. */
  readers?: SourceReaders;
  logger?: Logger;
  timers?: Timers;
  /** Back-off after a failed poll before the pending request is retried. */
  retryDelayMs?: number;
}

export interface PollOutcome {
  pages: number;
  changes: number;
  published: number;
  deduped: number;
}

class PollFailed extends Error {}

interface SourceState {
  running?: Promise<void> | undefined;
  again: boolean;
  timer?: unknown;
}

/**
 * Polls FHIR servers for changes: per source and query, a durable `_lastUpdated` watermark,
 * following `Bundle.link[next]`. `ge` rather than `gt` so a resource written in the watermark's
 * own millisecond is not missed; the dedupe table drops what was already seen.
 */
export class FhirPoller {
  private readonly store: PollStore;
  private readonly state = new Map<string, SourceState>();
  private readonly readers: SourceReaders;
  private readonly timers: Timers;
  private stopped = false;

  constructor(
    private readonly sources: Readonly<Record<string, SourceConfig>>,
    private readonly deps: PollerDeps,
  ) {
    this.store = new PollStore(deps.db);
    this.readers = deps.readers ?? new SourceReaders(deps.fetch ? { fetch: deps.fetch } : {});
    this.timers = deps.timers ?? systemTimers;
  }

  canPoll(source: string): boolean {
    return this.sources[source]?.polling !== undefined;
  }

  /** Durably records a query-back request, then runs it in the background. */
  requestPoll(source: string): void {
    if (!this.canPoll(source)) throw new Error(`source ${source} has no polling queries`);
    this.store.requestPoll(source, this.deps.clock.now());
    this.kick(source);
  }

  /** Resumes pending query-backs from before a restart and starts the periodic polls. */
  start(): void {
    this.stopped = false;
    for (const source of this.store.pendingSources()) if (this.canPoll(source)) this.kick(source);
    for (const [name, cfg] of Object.entries(this.sources)) {
      if (cfg.polling?.intervalSeconds !== undefined) this.schedule(name, cfg.polling.intervalSeconds * 1000, true);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.state.values()) if (s.timer !== undefined) this.timers.clearTimeout(s.timer);
    await this.idle();
  }

  /** Resolves when no poll is running. */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.state.values()].map((s) => s.running).filter((p) => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  private stateOf(source: string): SourceState {
    let s = this.state.get(source);
    if (!s) this.state.set(source, (s = { again: false }));
    return s;
  }

  private schedule(source: string, ms: number, periodic: boolean): void {
    const s = this.stateOf(source);
    if (s.timer !== undefined) this.timers.clearTimeout(s.timer);
    s.timer = this.timers.setTimeout(() => {
      s.timer = undefined;
      if (this.stopped) return;
      if (periodic) this.store.requestPoll(source, this.deps.clock.now());
      this.kick(source);
      const interval = this.sources[source]?.polling?.intervalSeconds;
      if (periodic && interval !== undefined) this.schedule(source, interval * 1000, true);
    }, ms);
  }

  private kick(source: string): void {
    const s = this.stateOf(source);
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = this.loop(source, s).finally(() => {
      s.running = undefined;
    });
  }

  private async loop(source: string, s: SourceState): Promise<void> {
    do {
      s.again = false;
      try {
        await this.pollNow(source);
        if (!s.again) this.store.completePoll(source);
      } catch (err) {
        // The request stays in the table; retry after a pause (and after a restart).
        this.deps.logger?.warn({ source, error: err instanceof Error ? err.message : String(err) }, 'FHIR poll failed');
        if (!this.stopped) this.schedule(source, this.deps.retryDelayMs ?? 5000, false);
        return;
      }
    } while (s.again && !this.stopped);
  }

  /** Polls every query of a source once, now. Throws when the server fails; the watermark then stays. */
  async pollNow(source: string): Promise<PollOutcome> {
    const cfg = this.sources[source];
    if (!cfg?.polling) throw new Error(`source ${source} has no polling queries`);
    const total: PollOutcome = { pages: 0, changes: 0, published: 0, deduped: 0 };
    for (const query of cfg.polling.queries) {
      const o = await this.pollQuery(source, cfg, query);
      total.pages += o.pages;
      total.changes += o.changes;
      total.published += o.published;
      total.deduped += o.deduped;
    }
    return total;
  }

  private async pollQuery(source: string, cfg: SourceConfig, query: string): Promise<PollOutcome> {
    const polling = cfg.polling;
    if (!polling) throw new Error('unreachable');
    const server = serverOf(cfg);
    const resourceType = query.split('?')[0] ?? query;
    const start = this.store.watermark(source, query) ?? polling.startFrom ?? new Date(this.deps.clock.now()).toISOString();
    let newest = start;
    let url: string | undefined = `${server}/${query}${query.includes('?') ? '&' : '?'}_lastUpdated=ge${encodeURIComponent(start)}&_sort=_lastUpdated`;
    const outcome: PollOutcome = { pages: 0, changes: 0, published: 0, deduped: 0 };
    const origin = new URL(server).origin;
    while (url !== undefined && outcome.pages < polling.maxPages) {
      const bundle = await this.fetchBundle(url, cfg);
      outcome.pages += 1;
      const changes: ResourceChange[] = [];
      const entries = Array.isArray(bundle.entry) ? bundle.entry.filter(isObject) : [];
      for (const entry of entries) {
        const res = entry.resource;
        if (!isObject(res) || res.resourceType !== resourceType) continue; // OperationOutcome, _include
        let resource;
        try {
          resource = requireResource(res, 'Bundle.entry.resource');
        } catch {
          continue; // one malformed entry must not stall the source forever
        }
        const versionId = versionOf(resource);
        const lastUpdated = typeof resource.meta?.lastUpdated === 'string' ? resource.meta.lastUpdated : undefined;
        if (lastUpdated !== undefined && Date.parse(lastUpdated) > Date.parse(newest)) newest = lastUpdated;
        const interaction = interactionFromVersion(versionId);
        changes.push({
          resourceType,
          id: resource.id,
          ...(versionId !== undefined ? { versionId } : {}),
          interaction,
          origin: 'polling',
          resource,
          dedupeKey: dedupeKeyFor(dedupeScopeOf(cfg), `${resourceType}/${resource.id}`, versionId, interaction, `@${lastUpdated ?? ''}`),
        });
      }
      const r = await this.deps.publisher.publish(changes, server);
      outcome.changes += changes.length;
      outcome.published += r.published;
      outcome.deduped += r.deduped;
      const links = Array.isArray(bundle.link) ? bundle.link.filter(isObject) : [];
      const next = links.find((l) => l.relation === 'next')?.url;
      // Never send the source's credentials to another host.
      url = typeof next === 'string' && URL.canParse(next) && new URL(next).origin === origin ? next : undefined;
    }
    this.store.setWatermark(source, query, newest);
    return outcome;
  }

  private async fetchBundle(url: string, cfg: SourceConfig): Promise<Record<string, unknown>> {
    let res: { status: number; body: unknown };
    try {
      res = await this.readers.for(cfg).get(url);
    } catch (err) {
      throw new PollFailed(`FHIR search failed: ${err instanceof FhirError ? err.message : err instanceof Error ? err.message : String(err)}`);
    }
    if (res.status < 200 || res.status >= 300) throw new PollFailed(`FHIR search answered ${res.status}`);
    if (!isObject(res.body) || res.body.resourceType !== 'Bundle') throw new PollFailed('FHIR search did not return a Bundle');
    return res.body;
  }
}
