import { ensureSchema, type Db } from '../../core/db/openDatabase';
import { fireExecutionId } from '../../engine/scheduler/schedulerDeliveries';

export type DeadLetterSource = 'bus' | 'scheduler';

/** A dead letter of the local bus or scheduler, without its payload (it may hold PHI). */
export interface DeadLetterView {
  source: DeadLetterSource;
  id: number;
  /** `bus:3`, `scheduler:2`: what `dlq redrive` takes. */
  ref: string;
  target: string;
  error: string;
  attempts: number;
  failedAt: string;
  /** The rule or schedule that was delivering. */
  from: string;
}

const hasTable = (db: Db, t: string): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;

/** Dead letters of the local bus and scheduler (the local stand-ins for the stage's SQS DLQ), oldest first. */
export function listDeadLetters(db: Db): DeadLetterView[] {
  const out: DeadLetterView[] = [];
  if (hasTable(db, 'bus_dead_letters')) {
    for (const r of db.prepare('SELECT id, rule, target_arn, target_id, error_code, attempts, failed_at FROM bus_dead_letters ORDER BY id').all() as Record<string, string | number | null>[]) {
      out.push({
        source: 'bus',
        id: Number(r.id),
        ref: `bus:${Number(r.id)}`,
        target: String(r.target_arn ?? r.target_id),
        error: String(r.error_code),
        attempts: Number(r.attempts),
        failedAt: new Date(Number(r.failed_at)).toISOString(),
        from: `rule/${String(r.rule)}`,
      });
    }
  }
  if (hasTable(db, 'scheduler_dead_letters')) {
    for (const r of db.prepare('SELECT id, schedule_arn, target, reason, attempts, dead_at_ms FROM scheduler_dead_letters ORDER BY id').all() as Record<string, string | number | null>[]) {
      let target = '';
      try {
        // Plaintext targets show their ARN; an encrypted one (a key is configured) shows none.
        target = String((JSON.parse(String(r.target)) as { Arn?: string }).Arn ?? '');
      } catch {
        target = '';
      }
      out.push({
        source: 'scheduler',
        id: Number(r.id),
        ref: `scheduler:${Number(r.id)}`,
        target,
        error: String(r.reason),
        attempts: Number(r.attempts),
        failedAt: new Date(Number(r.dead_at_ms)).toISOString(),
        from: String(r.schedule_arn).split(':').pop() ?? '',
      });
    }
  }
  return out;
}

/** `bus:3` / `scheduler:2` → its parts; undefined when malformed. */
export function parseDeadLetterRef(ref: string): { source: DeadLetterSource; id: number } | undefined {
  const m = /^(bus|scheduler):([1-9]\d{0,15})$/.exec(ref);
  return m ? { source: m[1] as DeadLetterSource, id: Number(m[2]) } : undefined;
}

/**
 * Puts a dead letter back in its delivery queue and removes it from the dead letters, in one
 * transaction, so it is delivered once more by the running server (or at the next start), with the
 * target's retry policy starting over. The bus re-uses the original delivery row, so the execution
 * it starts has the name the first attempt would have given it (a start that did happen is found,
 * not repeated); the scheduler re-queues the occurrence with its own execution id, for the same
 * reason, aged from its first attempt after the redrive (a dead letter is usually past its maximum event age). Payloads are
 * moved as stored (encrypted or not): nothing is decrypted here.
 */
export function redriveDeadLetter(db: Db, ref: { source: DeadLetterSource; id: number }, now: number): boolean {
  if (ref.source === 'bus') {
    if (!hasTable(db, 'bus_dead_letters')) return false;
    return db
      .transaction(() => {
        const row = db.prepare('SELECT delivery_id FROM bus_dead_letters WHERE id = ?').get(ref.id) as { delivery_id: number } | undefined;
        if (!row) return false;
        // Due at once on whatever clock the engine runs (a `--speed` clock runs ahead of this process's).
        db.prepare("UPDATE bus_deliveries SET status = 'pending', attempts = 0, interrupted = 0, started_at = NULL, due_at = 0, last_error = NULL, updated_at = ? WHERE id = ?").run(
          now,
          row.delivery_id,
        );
        db.prepare('DELETE FROM bus_dead_letters WHERE id = ?').run(ref.id);
        return true;
      })
      .immediate();
  }
  if (!hasTable(db, 'scheduler_dead_letters')) return false;
  ensureSchema(db, 'scheduler-redrive', ['ALTER TABLE scheduler_deliveries ADD COLUMN redriven_at INTEGER']);
  return db
    .transaction(() => {
      const row = db.prepare('SELECT schedule_arn, target, nominal_ms FROM scheduler_dead_letters WHERE id = ?').get(ref.id) as
        { schedule_arn: string; target: string | Buffer; nominal_ms: number } | undefined;
      if (!row) return false;
      // Due at once, and `redriven_at = 0`: the scheduler ages it from its first attempt, on its own clock.
      db.prepare('INSERT INTO scheduler_deliveries (schedule_arn, target, nominal_ms, attempt, due_ms, execution_id, redriven_at) VALUES (?, ?, ?, 1, 0, ?, 0)').run(
        row.schedule_arn,
        row.target,
        row.nominal_ms,
        fireExecutionId(row.schedule_arn, row.nominal_ms),
      );
      db.prepare('DELETE FROM scheduler_dead_letters WHERE id = ?').run(ref.id);
      return true;
    })
    .immediate();
}
