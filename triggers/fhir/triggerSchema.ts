import { type Db, ensureSchema } from '../../core/db/openDatabase';

/** The triggers module's tables (core/db ensureSchema, module `triggers`). Append only. */
const TRIGGER_MIGRATIONS: readonly string[] = [
  `CREATE TABLE trigger_dedupe (dedupe_key TEXT PRIMARY KEY, event_id TEXT NOT NULL, published_at INTEGER NOT NULL);
   CREATE INDEX trigger_dedupe_published_at ON trigger_dedupe (published_at);
   CREATE TABLE trigger_poll_watermarks (source TEXT NOT NULL, query TEXT NOT NULL, watermark TEXT NOT NULL, PRIMARY KEY (source, query));
   CREATE TABLE trigger_poll_requests (source TEXT PRIMARY KEY, requested_at INTEGER NOT NULL);`,
  `CREATE TABLE trigger_subscription_progress (source TEXT NOT NULL, subscription TEXT NOT NULL, last_event_number INTEGER NOT NULL, PRIMARY KEY (source, subscription));`,
  `CREATE TABLE trigger_events_idempotency (id TEXT PRIMARY KEY, request_digest TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE INDEX trigger_events_idempotency_created_at ON trigger_events_idempotency (created_at);`,
];

export function ensureTriggerSchema(db: Db): void {
  ensureSchema(db, 'triggers', TRIGGER_MIGRATIONS);
}
