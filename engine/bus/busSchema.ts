import { ensureSchema, type Db } from '../../core/db/openDatabase';

/**
 * The bus's tables. Events and their pending deliveries are written in the transaction that
 * answers PutEvents; delivery state, dead letters, archives and replays live beside them.
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
       error_code TEXT NOT NULL, error_message TEXT NOT NULL, attempts INTEGER NOT NULL, failed_at INTEGER NOT NULL);
     CREATE TABLE bus_archives (
       name TEXT PRIMARY KEY, arn TEXT NOT NULL, bus TEXT NOT NULL, event_pattern TEXT, description TEXT,
       retention_days INTEGER NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL);
     CREATE TABLE bus_archive_events (
       archive TEXT NOT NULL, event_id TEXT NOT NULL REFERENCES bus_events(id), time_ms INTEGER NOT NULL,
       PRIMARY KEY (archive, event_id));
     CREATE INDEX bus_archive_events_time ON bus_archive_events (archive, time_ms);
     CREATE TABLE bus_replays (
       name TEXT PRIMARY KEY, arn TEXT NOT NULL, archive TEXT NOT NULL, destination TEXT NOT NULL,
       event_start INTEGER NOT NULL, event_end INTEGER NOT NULL, state TEXT NOT NULL, events_replayed INTEGER NOT NULL,
       last_replayed_time INTEGER, started_at INTEGER NOT NULL, ended_at INTEGER);`,
  ]);
}
