import { createHash } from 'node:crypto';
import { ensureSchema, type Db } from '../../engine/db/openDatabase';

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

export class AuditLog {
  constructor(private readonly db: Db) {
    ensureSchema(db, 'audit', auditSchema);
  }

  /**
   * Appends one row in its own transaction (the database's synchronous=FULL makes it durable
   * before the API answers, so a kill -9 after the response cannot lose it).
   */
  append(e: AuditEntry): AuditRow {
    return this.db.transaction(() => {
      const last = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS;
      const hash = rowHash(prevHash, e, seq);
      this.db
        .prepare('INSERT INTO audit_log (seq, at_ms, access_key, source_ip, service, action, resource, kind, outcome, request_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(seq, e.atMs, e.accessKey, e.sourceIp, e.service, e.action, e.resource, e.kind, e.outcome, e.requestHash, prevHash, hash);
      return { ...e, seq, prevHash, hash };
    }).immediate();
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
