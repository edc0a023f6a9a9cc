import { randomUUID } from 'node:crypto';
import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { BusAtomicWrite, BusPort } from '../../schemas/ports';
import type { Db } from '../../core/db/openDatabase';

export interface CapturedEvent {
  seq: number;
  eventId: string;
  entry: PutEventsRequestEntry;
}

/**
 * A BusPort that stores each entry in its own SQLite table, in one transaction, before answering;
 * or, given an inner bus, forwards to it and records what that bus accepted. The conformance runner
 * and the trigger tests read back what an endpoint published.
 */
export class CaptureBus implements BusPort {
  private failNext = 0;

  constructor(
    private readonly db: Db,
    private readonly inner?: BusPort,
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS capture_bus_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, entry TEXT NOT NULL)');
  }

  /** Makes the next `n` putEvents calls throw, as a bus that is down would. */
  failNextCalls(n: number): void {
    this.failNext = n;
  }

  async putEvents(entries: PutEventsRequestEntry[], alongside?: BusAtomicWrite): Promise<{ FailedEntryCount: number; Entries: PutEventsResultEntry[] }> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('bus unavailable');
    }
    // The inner bus commits `alongside` with the events; without one, this bus's own transaction does.
    const results: PutEventsResultEntry[] = this.inner ? (await this.inner.putEvents(entries, alongside)).Entries : entries.map(() => ({ EventId: randomUUID() }));
    const insert = this.db.prepare('INSERT INTO capture_bus_events (event_id, entry) VALUES (?, ?)');
    this.db.transaction(() => {
      entries.forEach((e, i) => {
        const id = results[i]?.EventId;
        if (id !== undefined) insert.run(id, JSON.stringify(e));
      });
      if (!this.inner && alongside?.db === this.db) alongside.write({ FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results });
    })();
    return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
  }

  events(afterSeq = 0): CapturedEvent[] {
    const rows = this.db.prepare('SELECT seq, event_id, entry FROM capture_bus_events WHERE seq > ? ORDER BY seq').all(afterSeq) as { seq: number; event_id: string; entry: string }[];
    return rows.map((r) => ({ seq: r.seq, eventId: r.event_id, entry: JSON.parse(r.entry) as PutEventsRequestEntry }));
  }

  lastSeq(): number {
    return (this.db.prepare('SELECT coalesce(max(seq), 0) FROM capture_bus_events').pluck().get() as number) ?? 0;
  }
}
