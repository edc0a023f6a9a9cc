import { createHash } from 'node:crypto';
import type { Target } from '@aws-sdk/client-scheduler';
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../../core/db/openDatabase';
import { createPayloadCodec, type PayloadCodec } from '../../core/db/payloadCodec';
import type { DeadLetterRow, DeliveryRow } from './schedulerStore';
import type { TargetInvoker } from './targetInvoker';

/** AWS's RetryPolicy defaults. */
const DEFAULT_MAX_RETRIES = 185;
const DEFAULT_MAX_AGE_S = 86_400;
/** How long a delivery in progress is hidden from other fireDue() calls. */
const DELIVERY_LEASE_MS = 60_000;

/** Back-off between delivery attempts: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function retryDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** (attempt - 1), 300_000);
}

/** The execution id of one occurrence (`<aws.scheduler.execution-id>`, the started execution's name): the same on every attempt. */
export function fireExecutionId(scheduleArn: string, nominalMs: number): string {
  return createHash('sha256').update(`${scheduleArn}|${nominalMs}`).digest('hex').slice(0, 32);
}

export interface DeliveryOutcome {
  delivered: number;
  retried: number;
  deadLettered: number;
}

export type DeadLetter = Omit<DeadLetterRow, 'target'> & { target: Target; scheduledTime: string };

/**
 * The stored deliveries of fired occurrences: attempted until the target accepts, retried with
 * back-off under the target's RetryPolicy, then moved to the dead-letter table.
 */
/** Associated data of a fire's target (its delivery row, then its dead letter): the schedule and the occurrence. */
const targetAad = (scheduleArn: string, nominalMs: number): string => `scheduler_target|${scheduleArn}|${nominalMs}`;

export class SchedulerDeliveries {
  private readonly statements = new Map<string, BetterSqlite3.Statement<unknown[]>>();

  constructor(
    private readonly db: Db,
    private readonly invoke: TargetInvoker,
    private readonly codec: PayloadCodec = createPayloadCodec(),
  ) {}

  private sql(text: string): BetterSqlite3.Statement<unknown[]> {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /** Stores the first attempt of a fire (call inside the transaction that advances its schedule). */
  enqueue(scheduleArn: string, target: Target, nominalMs: number, dueMs: number, executionId: string): void {
    this.sql('INSERT INTO scheduler_deliveries (schedule_arn, target, nominal_ms, attempt, due_ms, execution_id) VALUES (?, ?, ?, 1, ?, ?)').run(
      scheduleArn,
      this.codec.encode(target, targetAad(scheduleArn, nominalMs)),
      nominalMs,
      dueMs,
      executionId,
    );
  }

  nextDueAt(): number | undefined {
    return (this.sql('SELECT MIN(due_ms) AS t FROM scheduler_deliveries').get() as { t: number | null }).t ?? undefined;
  }

  pending(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM scheduler_deliveries').get() as { n: number }).n;
  }

  /**
   * Leases the due deliveries first, so a concurrent call cannot pick them too (after a crash the
   * lease runs out and they are delivered again: at least once, with the same execution id), then
   * attempts them, 50 at a time. `full` says the limit was reached.
   */
  async deliverDue(now: number, limit: number): Promise<DeliveryOutcome & { attempted: number; full: boolean }> {
    const rows = this.db.transaction(() => {
      const due = this.sql('SELECT * FROM scheduler_deliveries WHERE due_ms <= ? ORDER BY due_ms, id LIMIT ?').all(now, limit) as DeliveryRow[];
      const lease = this.sql('UPDATE scheduler_deliveries SET due_ms = ? WHERE id = ?');
      for (const d of due) lease.run(now + DELIVERY_LEASE_MS, d.id);
      return due;
    })();
    const out = { delivered: 0, retried: 0, deadLettered: 0, attempted: rows.length, full: rows.length >= limit };
    for (let i = 0; i < rows.length; i += 50) {
      await Promise.all(rows.slice(i, i + 50).map((d) => this.attempt(d, now, out)));
    }
    return out;
  }

  private async attempt(d: DeliveryRow, now: number, out: DeliveryOutcome): Promise<void> {
    const target = this.codec.decode(d.target, targetAad(d.schedule_arn, d.nominal_ms)) as Target;
    const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_S) * 1000;
    const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRIES;
    // A dead letter redriven by an operator (`clinflow dlq redrive`, redriven_at 0 until its first
    // attempt here) is aged from that attempt, not from its occurrence.
    const bornMs = d.redriven_at === 0 ? now : (d.redriven_at ?? d.nominal_ms);
    if (now - bornMs > maxAgeMs) {
      this.deadLetter(d, target, d.attempt - 1, 'MaximumEventAgeExceeded', d.last_error, now);
      out.deadLettered += 1;
      return;
    }
    try {
      await this.invoke(target, { scheduleArn: d.schedule_arn, scheduledTime: d.nominal_ms, attempt: d.attempt, executionId: d.execution_id });
      this.sql('DELETE FROM scheduler_deliveries WHERE id = ?').run(d.id);
      out.delivered += 1;
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const retryAt = now + retryDelayMs(d.attempt);
      if (d.attempt > maxRetries || retryAt - bornMs > maxAgeMs) {
        this.deadLetter(d, target, d.attempt, d.attempt > maxRetries ? 'RetriesExhausted' : 'MaximumEventAgeExceeded', message, now);
        out.deadLettered += 1;
        return;
      }
      this.sql('UPDATE scheduler_deliveries SET attempt = attempt + 1, due_ms = ?, last_error = ? WHERE id = ?').run(retryAt, message, d.id);
      if (d.redriven_at === 0) this.sql('UPDATE scheduler_deliveries SET redriven_at = ? WHERE id = ?').run(bornMs, d.id);
      out.retried += 1;
    }
  }

  private deadLetter(d: DeliveryRow, target: Target, attempts: number, reason: string, error: string | null, now: number): void {
    this.db.transaction(() => {
      this.sql(
        `INSERT INTO scheduler_dead_letters (schedule_arn, dead_letter_arn, target, nominal_ms, attempts, reason, error, dead_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(d.schedule_arn, target.DeadLetterConfig?.Arn ?? null, d.target, d.nominal_ms, attempts, reason, error, now);
      this.sql('DELETE FROM scheduler_deliveries WHERE id = ?').run(d.id);
    })();
  }

  /** Deliveries that failed for good (the local stand-in for the DeadLetterConfig SQS queue). */
  deadLetters(): DeadLetter[] {
    const rows = this.sql('SELECT * FROM scheduler_dead_letters ORDER BY id').all() as DeadLetterRow[];
    return rows.map((r) => ({ ...r, target: this.codec.decode(r.target, targetAad(r.schedule_arn, r.nominal_ms)) as Target, scheduledTime: new Date(r.nominal_ms).toISOString() }));
  }
}
