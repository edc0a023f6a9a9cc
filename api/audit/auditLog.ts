import { createHash } from 'node:crypto';
import { close, fsync, open } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import { ensureSchema, type Db } from '../../core/db/openDatabase';

/**
 * The audit trail (HIPAA §164.312(b)), ensureSchema module `audit`: one row per API call that
 * returned execution data or changed something, and per refused call. Rows are append-only
 * (triggers refuse UPDATE and DELETE) and hash-chained: each row's hash covers its fields and the
 * previous row's hash, so `verify` finds an edited, removed or reordered row. No PHI: the row holds
 * who, what, when, which resource and from where, plus a hash of the request parameters.
 */
export const auditSchema: readonly string[] = [
  `CREATE TABLE audit_log (
     seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, access_key TEXT NOT NULL, source_ip TEXT NOT NULL,
     service TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL, kind TEXT NOT NULL, outcome TEXT NOT NULL,
     request_hash TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
   CREATE INDEX audit_log_resource ON audit_log(resource);
   CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;`,
];

export interface AuditEntry {
  atMs: number;
  accessKey: string;
  sourceIp: string;
  service: string;
  action: string;
  /** An ARN or reference, never a payload; '' when the call named none. */
  resource: string;
  kind: 'data' | 'change' | 'denied';
  /** `ok`, or the AWS error code the call ended with. */
  outcome: string;
  /** sha256 of the request's parameters (the body): proves what was asked without holding it. */
  requestHash: string;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

interface DbRow {
  seq: number;
  at_ms: number;
  access_key: string;
  source_ip: string;
  service: string;
  action: string;
  resource: string;
  kind: string;
  outcome: string;
  request_hash: string;
  prev_hash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

export const hashRequest = (body: Buffer | string): string => createHash('sha256').update(body).digest('hex');

function rowHash(prev: string, e: AuditEntry, seq: number): string {
  const fields = [seq, e.atMs, e.accessKey, e.sourceIp, e.service, e.action, e.resource, e.kind, e.outcome, e.requestHash];
  return createHash('sha256').update(prev).update('\n').update(JSON.stringify(fields)).digest('hex');
}

const fromDb = (r: DbRow): AuditRow => ({
  seq: r.seq,
  atMs: r.at_ms,
  accessKey: r.access_key,
  sourceIp: r.source_ip,
  service: r.service,
  action: r.action,
  resource: r.resource,
  kind: r.kind as AuditEntry['kind'],
  outcome: r.outcome,
  requestHash: r.request_hash,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export interface VerifyResult {
  ok: boolean;
  rows: number;
  /** The first row whose hash or link does not match, with why. */
  firstBad?: { seq: number; reason: string };
}

/**
 * Durability: `append` commits the row to the WAL with synchronous=NORMAL, i.e. written to the
 * operating system (which keeps it through `kill -9`) but not yet fsynced, before the API answers.
 * Making rows survive power loss as well is group-committed off the event loop: one fsync of the
 * WAL file on libuv's thread pool covers every row appended before it started, and another starts
 * as soon as one ends while rows wait, so a power cut loses at most the rows of the last few
 * milliseconds, and no call waits for a disk flush. `sync()` waits for one that covers every row
 * so far: the API awaits it before answering a call that changed something.
 */
function fsyncFile(path: string, done: (err: NodeJS.ErrnoException | null) => void): void {
  open(path, 'r', (err, fd) => {
    if (err) return done(err);
    fsync(fd, (syncErr) => close(fd, () => done(syncErr)));
  });
}

export class AuditLog {
  private readonly insert: Statement;
  private readonly last: Statement;
  /** The WAL file whose fsync makes rows durable; undefined in memory (nothing to flush). */
  private readonly wal: string | undefined;
  /** Whether the connection syncs at every commit (FULL or EXTRA): then appends relax it to NORMAL. */
  private readonly relax: number | undefined;
  private appended = 0;
  private durable = 0;
  private flushing = false;
  private failure: Error | undefined;
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (err: Error) => void }> = [];

  /** `syncFile`: fsyncs a file without blocking the event loop (default: open, fsync, close on libuv's pool). */
  constructor(
    private readonly db: Db,
    private readonly syncFile: (path: string, done: (err: NodeJS.ErrnoException | null) => void) => void = fsyncFile,
  ) {
    ensureSchema(db, 'audit', auditSchema);
    this.insert = db.prepare(
      'INSERT INTO audit_log (seq, at_ms, access_key, source_ip, service, action, resource, kind, outcome, request_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    const walMode = !db.memory && String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
    this.wal = walMode ? `${db.name}-wal` : undefined;
    const level = Number(db.pragma('synchronous', { simple: true }));
    this.relax = walMode && level >= 2 ? level : undefined;
  }

  /** Appends one row in its own transaction, in the WAL (kill -9 keeps it) when this returns; see the class comment. */
  append(e: AuditEntry): AuditRow {
    if (this.relax !== undefined) this.db.pragma('synchronous = NORMAL');
    let row: AuditRow;
    try {
      row = this.db
        .transaction(() => {
          const last = this.last.get() as { seq: number; hash: string } | undefined;
          const seq = (last?.seq ?? 0) + 1;
          const prevHash = last?.hash ?? GENESIS;
          const hash = rowHash(prevHash, e, seq);
          this.insert.run(seq, e.atMs, e.accessKey, e.sourceIp, e.service, e.action, e.resource, e.kind, e.outcome, e.requestHash, prevHash, hash);
          return { ...e, seq, prevHash, hash };
        })
        .immediate();
    } finally {
      if (this.relax !== undefined) this.db.pragma(`synchronous = ${this.relax}`);
    }
    this.appended += 1;
    this.flush();
    return row;
  }

  /** Resolves once every row appended so far is on disk (fsynced), sharing the flush with other callers. */
  sync(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const upTo = this.appended;
    if (this.wal === undefined || this.durable >= upTo) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    if (this.wal === undefined || this.flushing || this.durable >= this.appended) return;
    this.flushing = true;
    const upTo = this.appended;
    const done = (err: NodeJS.ErrnoException | null): void => {
      this.flushing = false;
      // No WAL file: SQLite checkpointed it into the database file, which it fsynced.
      if (err && err.code !== 'ENOENT') this.failure = new Error(`audit log: flushing the WAL failed: ${err.message}`);
      else this.durable = Math.max(this.durable, upTo);
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) {
        if (this.failure) w.reject(this.failure);
        else if (w.upTo <= this.durable) w.resolve();
        else this.waiters.push(w);
      }
      if (!this.failure) this.flush();
    };
    this.syncFile(this.wal, done);
  }

  list(filter: { resource?: string; accessKey?: string; sinceMs?: number; limit?: number } = {}): AuditRow[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.resource !== undefined) {
      where.push('resource = ?');
      params.push(filter.resource);
    }
    if (filter.accessKey !== undefined) {
      where.push('access_key = ?');
      params.push(filter.accessKey);
    }
    if (filter.sinceMs !== undefined) {
      where.push('at_ms >= ?');
      params.push(filter.sinceMs);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, filter.limit ?? 100) as DbRow[]).map(fromDb);
  }

  /** Rows after `seq`, oldest first (what an exporter trails). */
  after(seq: number, limit: number): AuditRow[] {
    return (this.db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as DbRow[]).map(fromDb);
  }

  /** Walks the chain from the first row: every link and every hash must match. */
  verify(): VerifyResult {
    let prev = GENESIS;
    let expectedSeq = 1;
    let rows = 0;
    for (const r of this.db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<DbRow>) {
      const row = fromDb(r);
      rows += 1;
      if (row.seq !== expectedSeq) return { ok: false, rows, firstBad: { seq: row.seq, reason: `row ${expectedSeq} is missing` } };
      if (row.prevHash !== prev) return { ok: false, rows, firstBad: { seq: row.seq, reason: 'its link to the previous row does not match' } };
      if (rowHash(prev, row, row.seq) !== row.hash) return { ok: false, rows, firstBad: { seq: row.seq, reason: 'its contents do not match its hash (the row was changed)' } };
      prev = row.hash;
      expectedSeq += 1;
    }
    return { ok: true, rows };
  }
}
