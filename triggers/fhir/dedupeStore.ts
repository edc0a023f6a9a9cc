import { createHash } from 'node:crypto';
import type { Db } from '../../core/db/openDatabase';
import { ensureTriggerSchema } from './triggerSchema';

const sha256 = (key: string): string => createHash('sha256').update(key).digest('base64url');

/**
 * Keys of changes already published, so a retried or repeated notification starts nothing twice.
 * A key names a resource (`…|MedicationRequest/123|2`), so only its digest is stored: keyed
 * (HMAC with the encryption key) when `digest` is given.
 */
export class DedupeStore {
  private readonly has: (key: string) => unknown;
  private readonly insert: (key: string, eventId: string, at: number) => void;
  private readonly insertAll: (rows: readonly { key: string; eventId: string }[], at: number) => void;
  private readonly purge: (before: number) => number;

  constructor(
    db: Db,
    private readonly digest: (key: string) => string = sha256,
  ) {
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
    return this.has(this.digest(key)) !== undefined;
  }

  record(key: string, eventId: string, at: number): void {
    this.insert(this.digest(key), eventId, at);
  }

  /** Records a batch in one transaction (one fsync). */
  recordAll(rows: readonly { key: string; eventId: string }[], at: number): void {
    if (rows.length > 0)
      this.insertAll(
        rows.map((r) => ({ key: this.digest(r.key), eventId: r.eventId })),
        at,
      );
  }

  /** Forgets keys published before `before` (ms); senders stop retrying long before that. */
  purgeBefore(before: number): number {
    return this.purge(before);
  }
}
