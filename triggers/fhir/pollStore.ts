import type { Db } from '../../core/db/openDatabase';
import { ensureTriggerSchema } from './triggerSchema';

/** Durable polling state: a `_lastUpdated` watermark per source and query, and pending query-back requests. */
export class PollStore {
  constructor(private readonly db: Db) {
    ensureTriggerSchema(db);
  }

  watermark(source: string, query: string): string | undefined {
    return this.db.prepare('SELECT watermark FROM trigger_poll_watermarks WHERE source = ? AND query = ?').pluck().get(source, query) as string | undefined;
  }

  setWatermark(source: string, query: string, watermark: string): void {
    this.db
      .prepare('INSERT INTO trigger_poll_watermarks (source, query, watermark) VALUES (?, ?, ?) ON CONFLICT(source, query) DO UPDATE SET watermark = excluded.watermark')
      .run(source, query, watermark);
  }

  /** Records that a source asked to be queried back; survives a restart until a poll completes. */
  requestPoll(source: string, at: number): void {
    this.db.prepare('INSERT INTO trigger_poll_requests (source, requested_at) VALUES (?, ?) ON CONFLICT(source) DO UPDATE SET requested_at = max(requested_at, excluded.requested_at)').run(source, at);
  }

  /** Clears the request once a poll has completed after it (the poller reruns for requests that arrive mid-poll). */
  completePoll(source: string): void {
    this.db.prepare('DELETE FROM trigger_poll_requests WHERE source = ?').run(source);
  }

  pendingSources(): string[] {
    return this.db.prepare('SELECT source FROM trigger_poll_requests ORDER BY requested_at').pluck().all() as string[];
  }
}
