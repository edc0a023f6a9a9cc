/**
 * clinflow's local EventBridge: buses, event-pattern rules and targets (busControlPlane.ts),
 * PutEvents and routing (here), and durable at-least-once delivery with retries and a dead-letter
 * table (busDelivery.ts). All of it lives in SQLite: an event and the deliveries it owes are written
 * in the transaction that answers PutEvents, so a crash after the answer loses nothing. Time comes
 * from the injected Clock; the runtime calls `deliverDue()` when `nextDueAt()` arrives (see
 * realTimerDelivery.ts). Schedules are EventBridge Scheduler's (engine/scheduler): a rule with a
 * ScheduleExpression is refused, and archives and replay are not offered (nothing reached them).
 */
import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { IdGenerator } from '../../schemas/clock';
import type { BusAtomicWrite, BusPort, ExecutionPort } from '../../schemas/ports';
import { createPayloadCodec, type PayloadCodec } from '../../core/db/payloadCodec';
import { BusControlPlane, type ControlPlaneOptions } from './busControlPlane';
import { BusDelivery, type DeadLetter, type DeliveryReport, type TargetInvoker } from './busDelivery';
import { eventAad, type BusEvent } from './busEvent';
import { checkPutEventsEntry, checkPutEventsRequest, eventTime } from './putEventsEntries';

export { DEFAULT_BUS, MAX_TARGETS_PER_RULE } from './busControlPlane';
export { DEFAULT_MAX_EVENT_AGE_SECONDS, DEFAULT_MAX_RETRY_ATTEMPTS, MAX_INTERRUPTED_ATTEMPTS, type DeadLetter, type DeliveryReport, type TargetInvoker } from './busDelivery';

export interface LocalEventBusOptions extends ControlPlaneOptions {
  ids: IdGenerator;
  /** Starts state machines for targets whose Arn is a Step Functions state machine. */
  executions?: ExecutionPort;
  /** Delivery for other target kinds, keyed by the ARN's service (`lambda`, `sqs`, …). */
  invokers?: Record<string, TargetInvoker>;
  /** Encrypts stored events when configured with a key (design decision 9). */
  codec?: PayloadCodec;
  /** Back-off before retry n is min(base·2^(n-1), max). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  batchSize?: number;
}

export class LocalEventBus extends BusControlPlane implements BusPort {
  private readonly ids: IdGenerator;
  private readonly codec: PayloadCodec;
  private readonly delivery: BusDelivery;

  constructor(options: LocalEventBusOptions) {
    super(options);
    this.ids = options.ids;
    this.codec = options.codec ?? createPayloadCodec();
    this.delivery = new BusDelivery(this.db, this.codec, this, this.clock, {
      ...(options.executions ? { executions: options.executions } : {}),
      ...(options.invokers ? { invokers: options.invokers } : {}),
      ...(options.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: options.retryBaseDelayMs } : {}),
      ...(options.retryMaxDelayMs !== undefined ? { retryMaxDelayMs: options.retryMaxDelayMs } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    });
  }

  // ---- PutEvents ----

  async putEvents(entries: PutEventsRequestEntry[], alongside?: BusAtomicWrite): Promise<{ FailedEntryCount: number; Entries: PutEventsResultEntry[] }> {
    checkPutEventsRequest(entries);
    const now = this.clock.now();
    const results: PutEventsResultEntry[] = [];
    this.db.transaction(() => {
      for (const entry of entries) {
        const checked = checkPutEventsEntry(entry);
        if (!('detail' in checked)) {
          results.push(checked);
          continue;
        }
        const bus = this.busName(entry.EventBusName);
        if (!this.hasBus(bus)) {
          results.push({ ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` });
          continue;
        }
        const id = this.ids.next();
        const timeMs = entry.Time ? entry.Time.getTime() : now;
        const event: BusEvent = {
          version: '0',
          id,
          'detail-type': entry.DetailType,
          source: entry.Source,
          account: this.accountId,
          time: eventTime(timeMs),
          region: this.region,
          resources: entry.Resources ?? [],
          detail: checked.detail,
        };
        this.route(bus, event, timeMs, now);
        results.push({ EventId: id });
      }
      // The caller's write commits with the events or not at all (a crash cannot fall between them).
      if (alongside?.db === this.db) alongside.write({ FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results });
    })();
    return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
  }

  /** Stores an event and the deliveries it owes (one per target of each matching rule); runs inside a transaction. */
  private route(bus: string, event: BusEvent, timeMs: number, now: number): void {
    this.sql('INSERT INTO bus_events (id, bus, time_ms, ingested_at, replay_name, payload) VALUES (?, ?, ?, ?, NULL, ?)').run(event.id, bus, timeMs, now, this.codec.encode(event, eventAad(event.id)));
    const insert = this.sql("INSERT INTO bus_deliveries (event_id, bus, rule, target_id, status, attempts, due_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)");
    for (const name of this.matcher(bus).matches(event)) {
      if (!this.ruleRow(bus, name)) continue;
      for (const t of this.targetsOf(bus, name)) insert.run(event.id, bus, name, t.Id, now, now);
    }
  }

  // ---- delivery (busDelivery.ts) ----

  /** When the next delivery is due (epoch ms), or undefined when idle. */
  nextDueAt(): number | undefined {
    return this.delivery.nextDueAt();
  }

  /** Attempts every delivery due now. Never runs twice at once. */
  deliverDue(): Promise<DeliveryReport> {
    return this.delivery.deliverDue();
  }

  listDeadLetters(): DeadLetter[] {
    return this.delivery.listDeadLetters();
  }

  /** The stored event a delivery or dead letter refers to. */
  getEvent(eventRowId: string): Record<string, unknown> | undefined {
    return this.delivery.getEvent(eventRowId);
  }

  /** Deletes finished deliveries last updated before `beforeMs`, and events left with none; returns how many events went. */
  purgeDelivered(beforeMs: number): number {
    return this.delivery.purgeDelivered(beforeMs);
  }

  pendingDeliveries(): number {
    return this.delivery.pendingDeliveries();
  }
}
