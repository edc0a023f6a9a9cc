import type { BusPort } from '../../schemas/ports';
import type { Clock } from '../../schemas/clock';
import type { Db } from '../../engine/db/openDatabase';
import { HttpProblem } from '../http/httpProblem';
import { DedupeStore } from './dedupeStore';
import type { ResourceChange } from './resourceChange';
import type { RoutingAttributeExtractor } from './routingAttributes';
import { toBusEntry, toChangeDetail } from './toBusEntry';

export interface PublishResult {
  published: number;
  deduped: number;
  /** Bus event ids of the published changes, in order. */
  eventIds: string[];
}

/** EventBridge takes at most 10 entries per PutEvents; keep the local and AWS adapters interchangeable. */
const PUT_EVENTS_BATCH = 10;

/**
 * Dedupes changes and publishes the rest to the bus. A key is recorded only after the bus said it
 * stored the event, so a failure never swallows a change (a crash between the two can at worst
 * publish it twice: at-least-once, with `detail.dedupeKey` for downstream).
 */
export class ChangePublisher {
  private readonly dedupe: DedupeStore;
  /** Keys being published right now: a concurrent duplicate waits for the first's outcome. */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    db: Db,
    private readonly bus: BusPort,
    private readonly extractor: RoutingAttributeExtractor,
    private readonly clock: Clock,
    private readonly eventBusName?: string,
  ) {
    this.dedupe = new DedupeStore(db);
  }

  async publish(changes: readonly ResourceChange[], server: string): Promise<PublishResult> {
    const result: PublishResult = { published: 0, deduped: 0, eventIds: [] };
    const fresh: ResourceChange[] = [];
    const batchKeys = new Set<string>();
    for (const change of changes) {
      if (batchKeys.has(change.dedupeKey)) {
        result.deduped += 1;
        continue;
      }
      batchKeys.add(change.dedupeKey);
      const pending = this.inFlight.get(change.dedupeKey);
      if (pending && (await pending)) result.deduped += 1;
      else if (this.dedupe.seen(change.dedupeKey)) result.deduped += 1;
      else fresh.push(change);
    }
    for (let i = 0; i < fresh.length; i += PUT_EVENTS_BATCH) {
      const batch = fresh.slice(i, i + PUT_EVENTS_BATCH);
      const ids = await this.publishBatch(batch, server);
      result.published += ids.length;
      result.eventIds.push(...ids);
    }
    return result;
  }

  private async publishBatch(batch: readonly ResourceChange[], server: string): Promise<string[]> {
    const time = new Date(this.clock.now());
    const entries = batch.map((c) => toBusEntry(toChangeDetail(c, server, this.extractor), time, this.eventBusName));
    const attempt = this.bus.putEvents(entries);
    const outcome = attempt.then((r) => r.Entries.map((e) => e.EventId));
    batch.forEach((c, i) => this.inFlight.set(c.dedupeKey, outcome.then((ids) => ids[i] !== undefined, () => false)));
    try {
      let ids: (string | undefined)[];
      try {
        ids = await outcome;
      } catch {
        throw new HttpProblem(503, 'transient', 'the event bus is unavailable; retry later', undefined, { 'Retry-After': '5' });
      }
      const now = this.clock.now();
      const stored: string[] = [];
      batch.forEach((c, i) => {
        const id = ids[i];
        if (id !== undefined) {
          this.dedupe.record(c.dedupeKey, id, now);
          stored.push(id);
        }
      });
      if (stored.length < batch.length) throw new HttpProblem(503, 'transient', 'the event bus refused some events; retry later', undefined, { 'Retry-After': '5' });
      return stored;
    } finally {
      for (const c of batch) this.inFlight.delete(c.dedupeKey);
    }
  }
}
