/**
 * The local bus's delivery worker: works through the deliveries routing stored, at least once,
 * with each attempt marked durably before it is made, EventBridge's retry policy (exponential
 * back-off, MaximumRetryAttempts, MaximumEventAgeInSeconds), and a dead-letter table for what
 * fails for good. Targets are started state machines (one execution name per delivery, so a
 * re-delivery after a crash finds the execution it started) or an injected invoker per service.
 */
import type { Target } from '@aws-sdk/client-eventbridge';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../core/db/openDatabase';
import type { PayloadCodec } from '../../core/db/payloadCodec';
import { ApiError, WorkflowError } from '../../schemas/errors';
import type { ExecutionPort } from '../../schemas/ports';
import type { RuleRow } from './busControlPlane';
import { EventBridgeError } from './busErrors';
import { eventAad, type BusEvent } from './busEvent';
import { InputTransformationError, targetInput } from './inputTransform';

export type TargetInvoker = (target: Target, input: string, ctx: { eventId: string; ruleArn: string; deliveryId: number }) => Promise<void>;

/** AWS's defaults when a target has no RetryPolicy. */
export const DEFAULT_MAX_RETRY_ATTEMPTS = 185;
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/**
 * A delivery whose attempts the process stopped during this many times (crash, kill -9, OOM: the
 * target never answered) is dead-lettered with `DeliveryInterrupted`: a poison pill must not take
 * the process down again on every restart.
 */
export const MAX_INTERRUPTED_ATTEMPTS = 3;

/** Target failures EventBridge does not retry: the resource is missing or the request is wrong. */
const NON_RETRYABLE = new Set([
  'ResourceNotFoundException',
  'StateMachineDoesNotExist',
  'StateMachineDeleting',
  'InvalidArn',
  'InvalidName',
  'InvalidExecutionInput',
  'ValidationException',
  'AccessDeniedException',
  'InputTransformationException',
]);

interface DeliveryRow {
  id: number;
  event_id: string;
  bus: string;
  rule: string;
  target_id: string;
  attempts: number;
  ingested_at: number;
  payload: string | Buffer;
  /** Set while an attempt is in flight; still set at pick-up means the process stopped during it. */
  started_at: number | null;
  interrupted: number;
}

export interface DeadLetter {
  id: number;
  deliveryId: number;
  eventId: string;
  bus: string;
  rule: string;
  targetId: string;
  targetArn: string | null;
  deadLetterArn: string | null;
  errorCode: string;
  errorMessage: string;
  attempts: number;
  failedAt: number;
}

export interface DeliveryReport {
  delivered: number;
  retried: number;
  deadLettered: number;
  dropped: number;
}

function errorCode(err: unknown): string {
  if (err instanceof WorkflowError || err instanceof ApiError) return err.error;
  if (err instanceof Error && err.name && err.name !== 'Error') return err.name;
  return 'InternalException';
}

function errorMessage(err: unknown): string {
  if (err instanceof WorkflowError || err instanceof ApiError) return err.causeText ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

export interface BusDeliveryOptions {
  /** Starts state machines for targets whose Arn is a Step Functions state machine. */
  executions?: ExecutionPort;
  /** Delivery for other target kinds, keyed by the ARN's service (`lambda`, `sqs`, …). */
  invokers?: Record<string, TargetInvoker>;
  /** Back-off before retry n is min(base·2^(n-1), max). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  batchSize?: number;
}

/** What delivery needs of the control plane: the rules and targets as they are now. */
export interface DeliveryPlane {
  ruleRow(bus: string, rule: string): RuleRow | undefined;
  targetsOf(bus: string, rule: string): readonly Target[];
}

export class BusDelivery {
  private delivering = false;
  /** The last delivery's outcome, written in the same transaction as the next attempt's mark. */
  private pendingOutcome: (() => void) | undefined;
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly codec: PayloadCodec,
    private readonly plane: DeliveryPlane,
    private readonly clock: { now(): number },
    private readonly options: BusDeliveryOptions,
  ) {}

  private sql(text: string): Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /** When the next delivery is due (epoch ms), or undefined when idle. */
  nextDueAt(): number | undefined {
    return (this.sql("SELECT MIN(due_at) AS t FROM bus_deliveries WHERE status = 'pending'").get() as { t: number | null }).t ?? undefined;
  }

  /** Attempts every delivery due now. Never runs twice at once. */
  async deliverDue(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, retried: 0, deadLettered: 0, dropped: 0 };
    if (this.delivering) return report;
    this.delivering = true;
    try {
      const now = this.clock.now();
      const batch = this.options.batchSize ?? 100;
      const select = this.sql(
        `SELECT d.id, d.event_id, d.bus, d.rule, d.target_id, d.attempts, d.started_at, d.interrupted, e.ingested_at, e.payload
         FROM bus_deliveries d JOIN bus_events e ON e.id = d.event_id
         WHERE d.status = 'pending' AND d.due_at <= ? AND d.id > ? ORDER BY d.id LIMIT ?`,
      );
      let after = 0;
      for (;;) {
        const rows = select.all(now, after, batch) as DeliveryRow[];
        for (const row of rows) {
          after = row.id;
          await this.deliverOne(row, now, report);
        }
        if (rows.length < batch) break;
      }
    } finally {
      this.flushOutcome();
      this.delivering = false;
    }
    return report;
  }

  private flushOutcome(): void {
    const write = this.pendingOutcome;
    this.pendingOutcome = undefined;
    write?.();
  }

  private async deliverOne(row: DeliveryRow, now: number, report: DeliveryReport): Promise<void> {
    const rule = this.plane.ruleRow(row.bus, row.rule);
    const target = this.plane.targetsOf(row.bus, row.rule).find((t) => t.Id === row.target_id);
    if (!rule || !target) {
      // The rule or target was removed after the event matched: nothing left to deliver to.
      this.sql("UPDATE bus_deliveries SET status = 'dropped', updated_at = ? WHERE id = ?").run(now, row.id);
      report.dropped++;
      return;
    }
    let attempts = row.attempts;
    let interrupted = row.interrupted;
    if (row.started_at !== null) {
      // The previous attempt never finished: the process stopped while the target ran.
      attempts += 1;
      interrupted += 1;
      if (interrupted >= MAX_INTERRUPTED_ATTEMPTS) {
        this.flushOutcome();
        const message = `The process stopped during ${interrupted} attempts of this delivery (the target never completed: a runaway execution start?).`;
        this.deadLetter({ ...row, attempts }, target, 'DeliveryInterrupted', message, attempts, now);
        report.deadLettered++;
        return;
      }
    }
    // Mark the attempt durably before making it; the previous delivery's outcome rides in the same
    // transaction, so marking costs no extra commit.
    this.db.transaction(() => {
      this.flushOutcome();
      this.sql('UPDATE bus_deliveries SET started_at = ?, attempts = ?, interrupted = ? WHERE id = ?').run(now, attempts, interrupted, row.id);
    })();
    const event = this.codec.decode(row.payload, eventAad(row.event_id)) as BusEvent;
    try {
      const input = targetInput(target, event, { ruleName: rule.name, ruleArn: rule.arn, ingestionTime: row.ingested_at });
      await this.invoke(target, input, event.id, rule.arn, row.id);
      // Written with the next mark (or at the end of the pass); lost to a crash, the delivery is
      // retried once more, which the targets' idempotency makes harmless.
      this.pendingOutcome = () => this.sql("UPDATE bus_deliveries SET status = 'delivered', attempts = attempts + 1, started_at = NULL, updated_at = ? WHERE id = ?").run(now, row.id);
      report.delivered++;
    } catch (err) {
      this.flushOutcome();
      this.failed({ ...row, attempts }, target, err, now, report);
    }
  }

  private deadLetter(row: DeliveryRow, target: Target, code: string, message: string, attempts: number, now: number): void {
    this.db.transaction(() => {
      this.sql("UPDATE bus_deliveries SET status = 'dead', attempts = ?, started_at = NULL, last_error = ?, updated_at = ? WHERE id = ?").run(attempts, `${code}: ${message}`, now, row.id);
      this.sql(
        `INSERT INTO bus_dead_letters (delivery_id, event_id, bus, rule, target_id, target_arn, dead_letter_arn, error_code, error_message, attempts, failed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(row.id, row.event_id, row.bus, row.rule, row.target_id, target.Arn ?? null, target.DeadLetterConfig?.Arn ?? null, code, message, attempts, now);
    })();
  }

  private failed(row: DeliveryRow, target: Target, err: unknown, now: number, report: DeliveryReport): void {
    const attempts = row.attempts + 1;
    const code = err instanceof InputTransformationError ? 'InputTransformationException' : errorCode(err);
    const message = errorMessage(err);
    const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS;
    const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
    const base = this.options.retryBaseDelayMs ?? 1000;
    const cap = this.options.retryMaxDelayMs ?? 300_000;
    const nextDue = now + Math.min(cap, base * 2 ** (attempts - 1));
    if (NON_RETRYABLE.has(code) || attempts > maxRetries || nextDue - row.ingested_at > maxAgeMs) {
      this.deadLetter(row, target, code, message, attempts, now);
      report.deadLettered++;
      return;
    }
    this.sql('UPDATE bus_deliveries SET attempts = ?, due_at = ?, started_at = NULL, last_error = ?, updated_at = ? WHERE id = ?').run(attempts, nextDue, `${code}: ${message}`, now, row.id);
    report.retried++;
  }

  private async invoke(target: Target, input: string, eventId: string, ruleArn: string, deliveryId: number): Promise<void> {
    const arn = target.Arn ?? '';
    if (/^arn:aws[\w-]*:states:[^:]*:[^:]*:stateMachine:/.test(arn)) {
      const executions = this.options.executions;
      if (!executions) throw new EventBridgeError('ResourceNotFoundException', 'No execution engine is attached to the bus.');
      // One name per delivery: a re-delivery after a crash finds the execution it already started.
      const name = `eb-${eventId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 50)}-${deliveryId}`;
      try {
        await executions.startExecution({ stateMachineArn: arn, input, name });
      } catch (err) {
        if (errorCode(err) !== 'ExecutionAlreadyExists') throw err;
      }
      return;
    }
    const service = arn.split(':')[2] ?? '';
    const invoker = this.options.invokers?.[service];
    if (!invoker) throw new EventBridgeError('ResourceNotFoundException', `No local delivery for target ${arn}.`);
    await invoker(target, input, { eventId, ruleArn, deliveryId });
  }

  listDeadLetters(): DeadLetter[] {
    return (this.sql('SELECT * FROM bus_dead_letters ORDER BY id').all() as Record<string, unknown>[]).map((r) => ({
      id: r.id as number,
      deliveryId: r.delivery_id as number,
      eventId: r.event_id as string,
      bus: r.bus as string,
      rule: r.rule as string,
      targetId: r.target_id as string,
      targetArn: r.target_arn as string | null,
      deadLetterArn: r.dead_letter_arn as string | null,
      errorCode: r.error_code as string,
      errorMessage: r.error_message as string,
      attempts: r.attempts as number,
      failedAt: r.failed_at as number,
    }));
  }

  /** The stored event a delivery or dead letter refers to. */
  getEvent(eventRowId: string): Record<string, unknown> | undefined {
    const row = this.sql('SELECT payload FROM bus_events WHERE id = ?').get(eventRowId) as { payload: string | Buffer } | undefined;
    return row ? (this.codec.decode(row.payload, eventAad(eventRowId)) as Record<string, unknown>) : undefined;
  }

  /**
   * Deletes finished deliveries last updated before `beforeMs`, and events that then have no
   * delivery or dead letter left. Returns the number of events removed.
   */
  purgeDelivered(beforeMs: number): number {
    return this.db.transaction(() => {
      this.sql("DELETE FROM bus_deliveries WHERE status IN ('delivered', 'dropped') AND updated_at < ?").run(beforeMs);
      return this.sql(
        `DELETE FROM bus_events WHERE ingested_at < ?
           AND NOT EXISTS (SELECT 1 FROM bus_deliveries d WHERE d.event_id = bus_events.id)
           AND NOT EXISTS (SELECT 1 FROM bus_dead_letters l WHERE l.event_id = bus_events.id)`,
      ).run(beforeMs).changes;
    })();
  }

  pendingDeliveries(): number {
    return (this.sql("SELECT COUNT(*) AS n FROM bus_deliveries WHERE status = 'pending'").get() as { n: number }).n;
  }
}
