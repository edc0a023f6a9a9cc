import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { BusAtomicWrite, BusPort } from '../../schemas/ports';
import type { Clock } from '../../schemas/clock';
import type { Db } from '../../core/db/openDatabase';
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

export interface ChangePublisherOptions {
  eventBusName?: string;
  /** Entries per PutEvents call; EventBridge (and the local bus) take at most 10. */
  maxBatchEntries?: number;
  /** Digest of dedupe keys as stored (the codec's keyed digest when encryption is on); SHA-256 otherwise. */
  dedupeDigest?: (key: string) => string;
}

interface Queued {
  key: string;
  entry: PutEventsRequestEntry;
  resolve: (eventId: string) => void;
  reject: (err: HttpProblem) => void;
}

const busDown = (): HttpProblem => new HttpProblem(503, 'transient', 'the event bus is unavailable; retry later', undefined, { 'Retry-After': '5' });
const busRefused = (): HttpProblem => new HttpProblem(503, 'transient', 'the event bus refused some events; retry later', undefined, { 'Retry-After': '5' });

/**
 * Dedupes changes and publishes the rest to the bus. A key is recorded with the event: in the bus's
 * own transaction when the bus stores events in `db` (the local bus: a crash keeps both or
 * neither, so a retried notification is published exactly once), otherwise only after the bus said
 * it stored the event, so a failure never swallows a change (a crash between the two can at worst
 * publish it twice: at-least-once, with `detail.dedupeKey` for downstream).
 *
 * Group commit: changes from concurrent requests are queued and written together, one PutEvents
 * call and one dedupe transaction per batch, so durable storage costs one fsync pair per batch
 * rather than per notification.
 */
export class ChangePublisher {
  private readonly dedupe: DedupeStore;
  /** Keys queued or being published: a concurrent duplicate waits for the first's outcome. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly queue: Queued[] = [];
  private flushing = false;
  private flushScheduled = false;
  private readonly maxBatch: number;

  constructor(
    private readonly db: Db,
    private readonly bus: BusPort,
    private readonly extractor: RoutingAttributeExtractor,
    private readonly clock: Clock,
    private readonly options: ChangePublisherOptions = {},
  ) {
    this.dedupe = new DedupeStore(db, options.dedupeDigest);
    this.maxBatch = options.maxBatchEntries ?? 10;
  }

  /** Forgets dedupe keys recorded before `before` (ms since epoch); returns how many. */
  purgeDedupeKeys(before: number): number {
    return this.dedupe.purgeBefore(before);
  }

  /** Resolves once every fresh change is stored by the bus; throws a 503 HttpProblem if any was not. */
  async publish(changes: readonly ResourceChange[], server: string): Promise<PublishResult> {
    const result: PublishResult = { published: 0, deduped: 0, eventIds: [] };
    const queued: Promise<string>[] = [];
    const batchKeys = new Set<string>();
    for (const change of changes) {
      const key = change.dedupeKey;
      if (batchKeys.has(key)) {
        result.deduped += 1;
        continue;
      }
      batchKeys.add(key);
      let duplicate = false;
      for (let pending = this.inFlight.get(key); pending !== undefined && !duplicate; pending = this.inFlight.get(key)) {
        duplicate = await pending; // if the first attempt failed, try again ourselves
      }
      // No await between this check and enqueue: a concurrent duplicate sees our in-flight entry.
      if (duplicate || this.dedupe.seen(key)) result.deduped += 1;
      else queued.push(this.enqueue(key, toBusEntry(toChangeDetail(change, server, this.extractor), new Date(this.clock.now()), this.options.eventBusName)));
    }
    const settled = await Promise.allSettled(queued);
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason instanceof HttpProblem ? s.reason : busDown();
      result.published += 1;
      result.eventIds.push(s.value);
    }
    return result;
  }

  private enqueue(key: string, entry: PutEventsRequestEntry): Promise<string> {
    const done = new Promise<string>((resolve, reject) => this.queue.push({ key, entry, resolve, reject }));
    this.inFlight.set(
      key,
      done.then(
        () => true,
        () => false,
      ),
    );
    if (!this.flushing && !this.flushScheduled) {
      this.flushScheduled = true;
      // Let the other requests parsed in this turn of the event loop join the batch.
      setImmediate(() => {
        this.flushScheduled = false;
        void this.flush();
      });
    }
    return done;
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) await this.commit(this.queue.splice(0, this.maxBatch));
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: Queued[]): Promise<void> {
    try {
      const storedOf = (ids: readonly (string | undefined)[]) =>
        batch.flatMap((q, i) => {
          const id = ids[i];
          return id === undefined ? [] : [{ key: q.key, eventId: id }];
        });
      let recorded = false;
      const alongside: BusAtomicWrite = {
        db: this.db,
        // Inside the bus's transaction: a failure here rolls the events back, and the batch is refused.
        write: (result) => {
          this.dedupe.recordAll(storedOf(result.Entries.map((e) => e.EventId)), this.clock.now());
          recorded = true;
        },
      };
      let ids: (string | undefined)[];
      try {
        ids = (
          await this.bus.putEvents(
            batch.map((q) => q.entry),
            alongside,
          )
        ).Entries.map((e) => e.EventId);
      } catch {
        for (const q of batch) q.reject(busDown());
        return;
      }
      if (!recorded) {
        try {
          this.dedupe.recordAll(storedOf(ids), this.clock.now());
        } catch {
          // The events are on the bus; without the keys a retry may publish again (at-least-once).
        }
      }
      batch.forEach((q, i) => {
        const id = ids[i];
        if (id === undefined) q.reject(busRefused());
        else q.resolve(id);
      });
    } finally {
      for (const q of batch) this.inFlight.delete(q.key);
    }
  }
}
