import { ensureSchema, type Db } from '../../core/db/openDatabase';
import type { PayloadCodec } from '../../core/db/payloadCodec';

/**
 * Associated data of the journal's ciphertexts: table(.column), then the row's key, free-form parts
 * (task and frame ids) last. A ciphertext copied to another row or column does not decrypt.
 */
export const journalAad = {
  execution: (execId: number, column: 'input' | 'output' | 'cause'): string => `sfn_executions.${column}|${execId}`,
  task: (execId: number, taskId: string, column: 'payload' | 'parameters' | 'token'): string => `sfn_tasks.${column}|${execId}|${taskId}`,
  history: (execId: number, firstId: number): string => `sfn_history.events|${execId}|${firstId}`,
  frame: (execId: number, frameId: string): string => `sfn_frames|${execId}|${frameId}`,
};

/** The binding scheme above; recorded once every row of an encrypted journal carries it. */
const SCHEME = 1;
const PAGE = 500;

interface Column {
  /** Rows after a key (`?` per key column), in key order, as { k1, k2?, v }. */
  page: string;
  update: string;
  keyColumns: 1 | 2;
  aad(k1: number, k2: string | number): string;
}

const executionColumn = (c: 'input' | 'output' | 'cause'): Column => ({
  page: `SELECT id AS k1, 0 AS k2, ${c} AS v FROM sfn_executions WHERE id > ? AND ${c} IS NOT NULL ORDER BY id LIMIT ${PAGE}`,
  update: `UPDATE sfn_executions SET ${c} = ? WHERE id = ?`,
  keyColumns: 1,
  aad: (id) => journalAad.execution(id, c),
});
const taskColumn = (c: 'payload' | 'parameters' | 'token'): Column => ({
  page: `SELECT execution_id AS k1, task_id AS k2, ${c} AS v FROM sfn_tasks WHERE (execution_id, task_id) > (?, ?) AND ${c} IS NOT NULL ORDER BY execution_id, task_id LIMIT ${PAGE}`,
  update: `UPDATE sfn_tasks SET ${c} = ? WHERE execution_id = ? AND task_id = ?`,
  keyColumns: 2,
  aad: (id, taskId) => journalAad.task(id, String(taskId), c),
});
const COLUMNS: readonly Column[] = [
  executionColumn('input'),
  executionColumn('output'),
  executionColumn('cause'),
  taskColumn('payload'),
  taskColumn('parameters'),
  taskColumn('token'),
  {
    page: `SELECT execution_id AS k1, first_id AS k2, events AS v FROM sfn_history WHERE (execution_id, first_id) > (?, ?) ORDER BY execution_id, first_id LIMIT ${PAGE}`,
    update: 'UPDATE sfn_history SET events = ? WHERE execution_id = ? AND first_id = ?',
    keyColumns: 2,
    aad: (id, first) => journalAad.history(id, Number(first)),
  },
  {
    page: `SELECT execution_id AS k1, frame_id AS k2, data AS v FROM sfn_frames WHERE (execution_id, frame_id) > (?, ?) ORDER BY execution_id, frame_id LIMIT ${PAGE}`,
    update: 'UPDATE sfn_frames SET data = ? WHERE execution_id = ? AND frame_id = ?',
    keyColumns: 2,
    aad: (id, frameId) => journalAad.frame(id, String(frameId)),
  },
];

export interface BindingReport {
  /** Ciphertexts re-sealed with their row binding. */
  rebound: number;
  /** Where a value could not be read at all (planted plaintext, a foreign or altered ciphertext): left as it is, it fails when read. */
  unreadable: string[];
}

/**
 * One-time upgrade of an encrypted journal written before its columns were bound to their rows
 * (ciphertext versions 1-4, and 5-8 sealed without associated data): in one transaction, each
 * value is decrypted as it was written and sealed again bound to its table, column and row; then
 * the journal is marked, and from then on `decodeBound` refuses unbound ciphertext. Nothing to do
 * without a key (no ciphertext) or once marked; a new journal is marked on creation.
 */
export function bindJournalRows(db: Db, codec: PayloadCodec): BindingReport | undefined {
  if (!codec.encrypted) return undefined;
  ensureSchema(db, 'journal-binding', ['CREATE TABLE journal_binding (scheme INTEGER PRIMARY KEY)']);
  const marked = db.prepare('SELECT 1 FROM journal_binding WHERE scheme = ?').pluck();
  if (marked.get(SCHEME) !== undefined) return undefined;
  const bind = db.transaction((): BindingReport | undefined => {
    if (marked.get(SCHEME) !== undefined) return undefined;
    const report: BindingReport = { rebound: 0, unreadable: [] };
    const read = { n: 0 };
    for (const c of COLUMNS) rebindColumn(db, codec, c, report, read);
    // A key that decrypts nothing is the wrong key (an Engine opened without verifyEncryptionKeys):
    // marking would make the right key refuse every old row later. Leave the journal as it was.
    if (read.n === 0 && report.unreadable.length > 0) return report;
    db.prepare('INSERT INTO journal_binding (scheme) VALUES (?)').run(SCHEME);
    return report;
  });
  // IMMEDIATE: take the write lock before reading, so a second process opening the journal waits.
  return bind.immediate();
}

function rebindColumn(db: Db, codec: PayloadCodec, c: Column, report: BindingReport, read: { n: number }): void {
  const page = db.prepare(c.page);
  const update = db.prepare(c.update);
  // Execution ids start at 1, so (0, anything) precedes every row.
  let after: [number, string | number] = [0, 0];
  for (;;) {
    const rows = (c.keyColumns === 1 ? page.all(after[0]) : page.all(after[0], after[1])) as { k1: number; k2: string | number; v: string | Buffer }[];
    for (const r of rows) {
      const aad = c.aad(r.k1, r.k2);
      after = [r.k1, r.k2];
      try {
        codec.decodeBound(r.v, aad);
        read.n++;
        continue; // already bound here (frames were before the others)
      } catch {
        // written unbound: read it the way it was written
      }
      let value: unknown;
      try {
        value = codec.decode(r.v);
      } catch {
        report.unreadable.push(aad);
        continue;
      }
      read.n++;
      const sealed = Buffer.isBuffer(value) ? codec.encodeBinary(value, aad) : codec.encode(value, aad);
      if (c.keyColumns === 1) update.run(sealed, r.k1);
      else update.run(sealed, r.k1, r.k2);
      report.rebound++;
    }
    if (rows.length < PAGE) return;
  }
}
