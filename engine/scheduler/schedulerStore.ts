import { ensureSchema, type Db } from '../../core/db/openDatabase';

/** Tables of the local scheduler. Next fire times live here, not in memory timers. */
export function ensureSchedulerSchema(db: Db): void {
  ensureSchema(db, 'scheduler', [
    `CREATE TABLE scheduler_groups (
       name TEXT PRIMARY KEY, arn TEXT NOT NULL, creation_ms INTEGER NOT NULL, last_modified_ms INTEGER NOT NULL)`,
    `CREATE TABLE scheduler_schedules (
       group_name TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,
       spec TEXT NOT NULL,            -- the CreateSchedule/UpdateSchedule input as JSON (without ClientToken)
       state TEXT NOT NULL,           -- ENABLED | DISABLED
       anchor_ms INTEGER NOT NULL,    -- rate() series anchor: StartDate, else creation/update time
       next_nominal_ms INTEGER,       -- next occurrence of the expression (NULL: none left)
       next_due_ms INTEGER,           -- next_nominal_ms plus this fire's flexible-window offset
       creation_ms INTEGER NOT NULL, last_modified_ms INTEGER NOT NULL,
       PRIMARY KEY (group_name, name))`,
    `CREATE INDEX scheduler_schedules_due ON scheduler_schedules (next_due_ms) WHERE state = 'ENABLED' AND next_due_ms IS NOT NULL`,
    `CREATE TABLE scheduler_deliveries (
       id INTEGER PRIMARY KEY AUTOINCREMENT, schedule_arn TEXT NOT NULL, target TEXT NOT NULL,
       nominal_ms INTEGER NOT NULL, attempt INTEGER NOT NULL, due_ms INTEGER NOT NULL, execution_id TEXT NOT NULL,
       last_error TEXT)`,
    `CREATE INDEX scheduler_deliveries_due ON scheduler_deliveries (due_ms)`,
    `CREATE TABLE scheduler_dead_letters (
       id INTEGER PRIMARY KEY AUTOINCREMENT, schedule_arn TEXT NOT NULL, dead_letter_arn TEXT,
       target TEXT NOT NULL, nominal_ms INTEGER NOT NULL, attempts INTEGER NOT NULL,
       reason TEXT NOT NULL, error TEXT, dead_at_ms INTEGER NOT NULL)`,
    `CREATE TABLE scheduler_client_tokens (
       operation TEXT NOT NULL, token TEXT NOT NULL, request_hash TEXT NOT NULL, result TEXT NOT NULL,
       created_ms INTEGER NOT NULL, PRIMARY KEY (operation, token))`,
  ]);
}

export interface ScheduleRow {
  group_name: string;
  name: string;
  arn: string;
  /** JSON text, or the codec's ciphertext when a key is set. */
  spec: string | Buffer;
  state: string;
  anchor_ms: number;
  next_nominal_ms: number | null;
  next_due_ms: number | null;
  creation_ms: number;
  last_modified_ms: number;
}

export interface DeliveryRow {
  id: number;
  schedule_arn: string;
  target: string | Buffer;
  nominal_ms: number;
  attempt: number;
  due_ms: number;
  execution_id: string;
  last_error: string | null;
  /** Set on a dead letter put back by `clinflow dlq redrive` (ensureSchema module `scheduler-redrive`). */
  redriven_at?: number | null;
}

export interface DeadLetterRow {
  id: number;
  schedule_arn: string;
  dead_letter_arn: string | null;
  target: string | Buffer;
  nominal_ms: number;
  attempts: number;
  reason: string;
  error: string | null;
  dead_at_ms: number;
}
