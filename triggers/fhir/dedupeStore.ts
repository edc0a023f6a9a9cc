import type { Db } from '../../engine/db/openDatabase';
import { ensureTriggerSchema } from './triggerSchema';

/** Keys of changes already published, so a retried or repeated notification starts nothing twice. */
export class DedupeStore {
  private readonly has: (key: string) => unknown;
  private readonly insert: (key: string, eventId: string, at: number) => void;
  private readonly insertAll: (rows: readonly { key: string; eventId: string }[], at: number) => void;
  private readonly purge: (before: number) => number;

  constructor(db: Db) {
    ensureTriggerSchema(db);
    const has = db.prepare('SELECT 1 FROM trigger_dedupe WHERE dedupe_key = ?').pluck();
    const insert = db.prepare('INSERT OR IGNORE INTO trigger_dedupe (dedupe_key, event_id, published_at) VALUES (?, ?, ?)');
    const purge = db.prepare('DELETE FROM trigger_dedupe WHERE published_at < ?');
    this.has = (key) => has.get(key);
    this.insert = (key, eventId, at) => void insert.run(key, eventId, at);
    this.purge = (before) => purge.run(before).changes;
    this.insertAll = db.transaction((rows: readonly { key: string; eventId: string }[], at: number) => {
      for (const r of rows) insert.run(r.key, r.eventId, at);
    });
  }

  seen(key: string): boolean {
    return this.has(key) !== undefined;
  }

  record(key: string, eventId: string, at: number): void {
    this.insert(key, eventId, at);
  }

  /** Records a batch in one transaction (one fsync). */
  recordAll(rows: readonly { key: string; eventId: string }[], at: number): void {
    if (rows.length > 0) this.insertAll(rows, at);
  }

  /** Forgets keys published before `before` (ms); senders stop retrying long before that. */
  purgeBefore(before: number): number {
    return this.purge(before);
  }
}
