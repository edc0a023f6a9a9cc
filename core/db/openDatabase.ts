import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens the one SQLite database of a data directory (or `:memory:`), in WAL mode with synchronous
 * FULL on disk so a committed transaction survives `kill -9` and power loss alike. Every module
 * (journal, bus, scheduler, triggers) keeps its own tables, created with `ensureSchema`.
 */
export function openDatabase(file: string, options: { synchronous?: 'FULL' | 'NORMAL' } = {}): Db {
  // The database holds clinical data: owner-only (0600). Creating the file first sets its mode;
  // SQLite gives the -wal and -shm files the mode of the database file.
  if (file !== ':memory:') closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file);
  if (file !== ':memory:') {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  }
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Applies a module's DDL once per version. `module` names the owner (e.g. `journal`, `bus`),
 * `statements` are idempotent-or-versioned migrations applied in order.
 */
export function ensureSchema(db: Db, module: string, statements: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_versions WHERE module = ?').get(module) as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current >= statements.length) return;
  db.transaction(() => {
    for (let i = current; i < statements.length; i++) db.exec(statements[i] ?? '');
    db.prepare('INSERT INTO schema_versions (module, version) VALUES (?, ?) ON CONFLICT(module) DO UPDATE SET version = excluded.version').run(module, statements.length);
  })();
}
