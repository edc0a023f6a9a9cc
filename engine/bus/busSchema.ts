import { ensureSchema, type Db } from '../../core/db/openDatabase';

/**
 * The bus's tables. Events and their pending deliveries are written in the transaction that
 * answers PutEvents; delivery state and dead letters live beside them. Migration 2 drops the
 * archive and replay tables of earlier versions (nothing could reach them).
 */
export function ensureBusSchema(db: Db): void {
  ensureSchema(db, 'bus', [
    `CREATE TABLE bus_buses (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
     CREATE TABLE bus_rules (
       bus TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL, event_pattern TEXT, schedule_expression TEXT,
       state TEXT NOT NULL, description TEXT, role_arn TEXT, next_fire_at INTEGER, created_at INTEGER NOT NULL,
       PRIMARY KEY (bus, name));
     CREATE TABLE bus_targets (
       bus TEXT NOT NULL, rule TEXT NOT NULL, id TEXT NOT NULL, config TEXT NOT NULL,
       PRIMARY KEY (bus, rule, id));
     CREATE TABLE bus_events (
       id TEXT PRIMARY KEY, bus TEXT NOT NULL, time_ms INTEGER NOT NULL, ingested_at INTEGER NOT NULL,
       replay_name TEXT, payload BLOB NOT NULL);
     CREATE INDEX bus_events_time ON bus_events (bus, time_ms);
     CREATE TABLE bus_deliveries (
       id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL REFERENCES bus_events(id),
       bus TEXT NOT NULL, rule TEXT NOT NULL, target_id TEXT NOT NULL,
       status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL,
       last_error TEXT, updated_at INTEGER NOT NULL);
     CREATE INDEX bus_deliveries_due ON bus_deliveries (due_at) WHERE status = 'pending';
     CREATE TABLE bus_dead_letters (
       id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id INTEGER NOT NULL, event_id TEXT NOT NULL,
       bus TEXT NOT NULL, rule TEXT NOT NULL, target_id TEXT NOT NULL, target_arn TEXT, dead_letter_arn TEXT,
       error_code TEXT NOT NULL, error_message TEXT NOT NULL, attempts INTEGER NOT NULL, failed_at INTEGER NOT NULL);`,
    `DROP TABLE IF EXISTS bus_archive_events;
     DROP TABLE IF EXISTS bus_archives;
     DROP TABLE IF EXISTS bus_replays;`,
  ]);
}
