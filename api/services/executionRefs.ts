import { CorrelationStore } from '../../engine/correlation/correlationStore';
import type { Engine } from '../../engine/durable/engine';
import { parseExecutionArn } from '../../engine/durable/names';

const REFERENCE = /^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/;
const BATCH = 5000;
const ORPHAN_KEY_MS = 3_600_000;

/**
 * The FHIR references an execution's input names: a FHIR change event's `detail.reference`, and
 * any routing attribute or top-level field that is itself a reference (a patient, an order).
 */
export function referencesIn(input: unknown): string[] {
  const out = new Set<string>();
  const visit = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      if (REFERENCE.test(v)) out.add(v);
      return;
    }
    if (depth > 3 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v.slice(0, 20)) visit(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.reference === 'string') visit(o.reference, depth);
    for (const [k, x] of Object.entries(o)) if (k !== 'reference') visit(x, depth + 1);
  };
  visit(input, 0);
  return [...out];
}

/**
 * Executions indexed by the FHIR references of their input and by the correlation key they run for
 * (`ops_execution_refs`: one search answers both, since a key is usually the reference the
 * clinician knows, e.g. `Appointment/123`). Indexing trails the journal and the correlation store
 * (`correlation_keys`) and catches up before each search, so a crash never leaves it behind for good.
 */
export class ExecutionRefIndex {
  constructor(private readonly engine: Engine) {
    // The correlation store's own module creates its table (idempotent), also where no runtime made one.
    new CorrelationStore(engine.db);
  }

  catchUp(): void {
    this.catchUpInputs();
    this.catchUpKeys();
  }

  /** Correlation keys → the keyed executions, by the store's rowid order. */
  private catchUpKeys(): void {
    const db = this.engine.db;
    const mark = db.prepare("SELECT last_id FROM ops_index_progress WHERE name = 'correlation'").get() as { last_id: number } | undefined;
    const rows = db
      .prepare('SELECT rowid AS id, execution_arn AS arn, correlation_key AS key, created_ms AS createdMs FROM correlation_keys WHERE rowid > ? ORDER BY rowid')
      .all(mark?.last_id ?? 0) as { id: number; arn: string; key: string; createdMs: number }[];
    const newest = rows[rows.length - 1]?.createdMs;
    if (newest === undefined) return;
    const insert = db.prepare('INSERT OR IGNORE INTO ops_execution_refs (ref, execution_id) VALUES (?, ?)');
    const save = db.prepare("INSERT INTO ops_index_progress (name, last_id) VALUES ('correlation', ?) ON CONFLICT(name) DO UPDATE SET last_id = excluded.last_id");
    db.transaction(() => {
      for (const r of rows) {
        let id: number | undefined;
        try {
          const { stateMachineName, name } = parseExecutionArn(r.arn);
          const sm = this.engine.store.stateMachineByName(stateMachineName);
          id = sm ? this.engine.store.executionByName(sm.id, name)?.id : undefined;
        } catch {
          id = undefined;
        }
        // A key is recorded just before its execution starts: one not started yet is picked up next
        // time, unless keys an hour newer exist (its dispatch died for good, e.g. a crash before the start).
        if (id === undefined && newest - r.createdMs < ORPHAN_KEY_MS) return;
        if (id !== undefined) insert.run(r.key, id);
        save.run(r.id);
      }
    })();
  }

  private catchUpInputs(): void {
    const db = this.engine.db;
    const mark = db.prepare("SELECT last_id FROM ops_index_progress WHERE name = 'refs'").get() as { last_id: number } | undefined;
    let last = mark?.last_id ?? 0;
    const select = db.prepare('SELECT id, input FROM sfn_executions WHERE id > ? ORDER BY id LIMIT ?');
    const insert = db.prepare('INSERT OR IGNORE INTO ops_execution_refs (ref, execution_id) VALUES (?, ?)');
    const save = db.prepare("INSERT INTO ops_index_progress (name, last_id) VALUES ('refs', ?) ON CONFLICT(name) DO UPDATE SET last_id = excluded.last_id");
    for (;;) {
      const rows = select.all(last, BATCH) as { id: number; input: string | Buffer | null }[];
      if (rows.length === 0) return;
      db.transaction(() => {
        for (const r of rows) {
          let input: unknown;
          try {
            input = this.engine.store.executionValue(r, 'input');
            // The journal keeps the input as the caller's JSON text.
            if (typeof input === 'string') input = JSON.parse(input) as unknown;
          } catch {
            input = undefined;
          }
          for (const ref of referencesIn(input)) insert.run(ref, r.id);
          last = r.id;
        }
        save.run(last);
      })();
      if (rows.length < BATCH) return;
    }
  }
}
