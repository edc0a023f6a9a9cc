/**
 * clinflow's local EventBridge: buses, rules (event pattern or schedule), targets, PutEvents,
 * durable at-least-once delivery with retries and a dead-letter table, archives and replay. All of
 * it lives in SQLite: an event and the deliveries it owes are written in the transaction that
 * answers PutEvents, so a crash after the answer loses nothing. Time comes from the injected
 * Clock; the runtime calls `deliverDue()` when `nextDueAt()` arrives (see realTimerDelivery.ts).
 */
import type {
  CreateArchiveCommandInput,
  PutEventsRequestEntry,
  PutEventsResultEntry,
  PutRuleCommandInput,
  PutTargetsCommandInput,
  PutTargetsResultEntry,
  RemoveTargetsCommandInput,
  Rule,
  RuleState,
  StartReplayCommandInput,
  Target,
} from '@aws-sdk/client-eventbridge';
import type { Clock, IdGenerator } from '../../schemas/clock';
import { ClinflowError } from '../../schemas/errors';
import type { BusAtomicWrite, BusPort, ExecutionPort } from '../../schemas/ports';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../core/db/openDatabase';
import { createPayloadCodec, type PayloadCodec } from '../../core/db/payloadCodec';
import { EventBridgeError } from './busErrors';
import { ensureBusAttemptSchema } from './busAttemptSchema';
import { ensureBusSchema } from './busSchema';
import { InputTransformationError, checkTargetInput, targetInput } from './inputTransform';
import { PatternMatcher, matchesPattern } from './pattern/PatternMatcher';
import { checkPutEventsEntry, checkPutEventsRequest, eventTime } from './putEventsEntries';
import { checkScheduleExpression, nextScheduleFire, type NextFire } from './scheduleExpression';

export type TargetInvoker = (target: Target, input: string, ctx: { eventId: string; ruleArn: string; deliveryId: number }) => Promise<void>;

export interface LocalEventBusOptions {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  /** Starts state machines for targets whose Arn is a Step Functions state machine. */
  executions?: ExecutionPort;
  /** Delivery for other target kinds, keyed by the ARN's service (`lambda`, `sqs`, …). */
  invokers?: Record<string, TargetInvoker>;
  accountId?: string;
  region?: string;
  /** Encrypts stored events when configured with a key (design decision 9). */
  codec?: PayloadCodec;
  /** Back-off before retry n is min(base·2^(n-1), max). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Evaluates `cron(...)` schedule expressions (the scheduler module's evaluator). */
  cronNext?: NextFire;
  batchSize?: number;
}

export const DEFAULT_BUS = 'default';

/** Associated data of a stored event's ciphertext: its table and row. */
const eventAad = (rowId: string): string => `bus_events|${rowId}`;
export const MAX_TARGETS_PER_RULE = 5;
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

interface RuleRow {
  bus: string;
  name: string;
  arn: string;
  event_pattern: string | null;
  schedule_expression: string | null;
  state: string;
  description: string | null;
  role_arn: string | null;
  next_fire_at: number | null;
  created_at: number;
}

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

type BusEvent = Record<string, unknown> & { id: string };

const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

function errorCode(err: unknown): string {
  if (err instanceof ClinflowError) return err.error;
  if (err instanceof Error && err.name && err.name !== 'Error') return err.name;
  return 'InternalException';
}

function errorMessage(err: unknown): string {
  if (err instanceof ClinflowError) return err.causeText ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

export class LocalEventBus implements BusPort {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly codec: PayloadCodec;
  private readonly accountId: string;
  private readonly region: string;
  private readonly buses = new Set<string>();
  private readonly rules = new Map<string, RuleRow>();
  private readonly targets = new Map<string, Target[]>();
  private readonly matchers = new Map<string, PatternMatcher>();
  /** Per bus: archives without a pattern, and a matcher over the patterned ones. */
  private readonly archives = new Map<string, { all: string[]; matcher: PatternMatcher }>();
  private delivering = false;
  /** The last delivery's outcome, written in the same transaction as the next attempt's mark. */
  private pendingOutcome: (() => void) | undefined;
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly options: LocalEventBusOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.ids = options.ids;
    this.codec = options.codec ?? createPayloadCodec();
    this.accountId = options.accountId ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    ensureBusSchema(this.db);
    ensureBusAttemptSchema(this.db);
    this.sql('INSERT OR IGNORE INTO bus_buses (name, created_at) VALUES (?, ?)').run(DEFAULT_BUS, this.clock.now());
    this.load();
  }

  /** Prepared statements are cached: PutEvents runs a handful per entry. */
  private sql(text: string): Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  // ---- loading (also the restart path) ----

  private load(): void {
    for (const { name } of this.sql('SELECT name FROM bus_buses').all() as { name: string }[]) this.buses.add(name);
    for (const row of this.sql('SELECT * FROM bus_rules').all() as RuleRow[]) {
      this.rules.set(this.key(row.bus, row.name), row);
      this.syncMatcher(row);
    }
    for (const row of this.sql('SELECT bus, rule, config FROM bus_targets ORDER BY rowid').all() as { bus: string; rule: string; config: string }[]) {
      const k = this.key(row.bus, row.rule);
      const list = this.targets.get(k) ?? [];
      list.push(JSON.parse(row.config) as Target);
      this.targets.set(k, list);
    }
    for (const row of this.sql("SELECT name, bus, event_pattern FROM bus_archives WHERE state = 'ENABLED'").all() as { name: string; bus: string; event_pattern: string | null }[]) {
      this.addArchiveMatcher(row.bus, row.name, row.event_pattern);
    }
  }

  private key(bus: string, rule: string): string {
    return `${bus}\u0000${rule}`;
  }

  private matcher(bus: string): PatternMatcher {
    let m = this.matchers.get(bus);
    if (!m) this.matchers.set(bus, (m = new PatternMatcher()));
    return m;
  }

  private syncMatcher(row: RuleRow): void {
    const m = this.matcher(row.bus);
    if (row.event_pattern !== null && row.state !== 'DISABLED') m.addRule(row.name, row.event_pattern);
    else m.removeRule(row.name);
  }

  private addArchiveMatcher(bus: string, name: string, pattern: string | null): void {
    let a = this.archives.get(bus);
    if (!a) this.archives.set(bus, (a = { all: [], matcher: new PatternMatcher() }));
    if (pattern === null) a.all.push(name);
    else a.matcher.addRule(name, pattern);
  }

  // ---- ARNs and names ----

  busArn(bus: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${bus}`;
  }

  ruleArn(bus: string, rule: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:rule/${bus === DEFAULT_BUS ? '' : `${bus}/`}${rule}`;
  }

  private busName(nameOrArn: string | undefined): string {
    if (!nameOrArn) return DEFAULT_BUS;
    const i = nameOrArn.indexOf(':event-bus/');
    return i >= 0 ? nameOrArn.slice(i + ':event-bus/'.length) : nameOrArn;
  }

  private requireBus(nameOrArn: string | undefined): string {
    const bus = this.busName(nameOrArn);
    if (!this.buses.has(bus)) throw new EventBridgeError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
    return bus;
  }

  private requireRule(name: string | undefined, busNameOrArn: string | undefined): RuleRow {
    const bus = this.requireBus(busNameOrArn);
    const row = this.rules.get(this.key(bus, name ?? ''));
    if (!row) throw new EventBridgeError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);
    return row;
  }

  // ---- buses ----

  createEventBus(input: { Name: string | undefined }): { EventBusArn: string } {
    const name = input.Name ?? '';
    if (!NAME.test(name) || name === DEFAULT_BUS) throw new EventBridgeError('ValidationException', `Event bus name ${JSON.stringify(name)} is not valid.`);
    if (this.buses.has(name)) throw new EventBridgeError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    this.sql('INSERT INTO bus_buses (name, created_at) VALUES (?, ?)').run(name, this.clock.now());
    this.buses.add(name);
    return { EventBusArn: this.busArn(name) };
  }

  deleteEventBus(input: { Name: string | undefined }): void {
    const name = input.Name ?? '';
    if (name === DEFAULT_BUS) throw new EventBridgeError('ValidationException', 'Cannot delete event bus default.');
    if (!this.buses.has(name)) return;
    if ([...this.rules.values()].some((r) => r.bus === name)) throw new EventBridgeError('ValidationException', `Event bus ${name} still has rules.`);
    this.sql('DELETE FROM bus_buses WHERE name = ?').run(name);
    this.buses.delete(name);
  }

  listEventBuses(): { EventBuses: { Name: string; Arn: string }[] } {
    return { EventBuses: [...this.buses].sort().map((Name) => ({ Name, Arn: this.busArn(Name) })) };
  }

  // ---- rules ----

  putRule(input: PutRuleCommandInput): { RuleArn: string } {
    const name = input.Name ?? '';
    if (!NAME.test(name)) throw new EventBridgeError('ValidationException', `Rule name ${JSON.stringify(name)} is not valid: 1-64 characters of [.-_A-Za-z0-9].`);
    const bus = this.requireBus(input.EventBusName);
    if (input.EventPattern === undefined && input.ScheduleExpression === undefined) {
      throw new EventBridgeError('ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    if (input.EventPattern !== undefined) {
      new PatternMatcher().addRule(name, input.EventPattern); // throws InvalidEventPatternException
    }
    if (input.ScheduleExpression !== undefined) {
      if (bus !== DEFAULT_BUS) throw new EventBridgeError('ValidationException', 'ScheduleExpression is supported only on the default event bus.');
      const problem = checkScheduleExpression(input.ScheduleExpression);
      if (problem) throw new EventBridgeError('ValidationException', `Parameter ScheduleExpression is not valid: ${problem}`);
    }
    const state: RuleState = input.State ?? 'ENABLED';
    const existing = this.rules.get(this.key(bus, name));
    const now = this.clock.now();
    const createdAt = existing?.created_at ?? now;
    const schedule = input.ScheduleExpression ?? null;
    const row: RuleRow = {
      bus,
      name,
      arn: this.ruleArn(bus, name),
      event_pattern: input.EventPattern ?? null,
      schedule_expression: schedule,
      state,
      description: input.Description ?? null,
      role_arn: input.RoleArn ?? null,
      next_fire_at: schedule && state !== 'DISABLED' ? (nextScheduleFire(schedule, now, createdAt, this.options.cronNext) ?? null) : null,
      created_at: createdAt,
    };
    this.sql(
      `INSERT INTO bus_rules (bus, name, arn, event_pattern, schedule_expression, state, description, role_arn, next_fire_at, created_at)
         VALUES (@bus, @name, @arn, @event_pattern, @schedule_expression, @state, @description, @role_arn, @next_fire_at, @created_at)
         ON CONFLICT(bus, name) DO UPDATE SET event_pattern = excluded.event_pattern, schedule_expression = excluded.schedule_expression,
           state = excluded.state, description = excluded.description, role_arn = excluded.role_arn, next_fire_at = excluded.next_fire_at`,
    ).run(row);
    this.rules.set(this.key(bus, name), row);
    this.syncMatcher(row);
    return { RuleArn: row.arn };
  }

  deleteRule(input: { Name: string | undefined; EventBusName?: string | undefined }): void {
    const bus = this.requireBus(input.EventBusName);
    const row = this.rules.get(this.key(bus, input.Name ?? ''));
    if (!row) return; // DeleteRule on a missing rule succeeds, as on AWS.
    if ((this.targets.get(this.key(bus, row.name)) ?? []).length > 0) throw new EventBridgeError('ValidationException', "Rule can't be deleted since it has targets.");
    this.sql('DELETE FROM bus_rules WHERE bus = ? AND name = ?').run(bus, row.name);
    this.rules.delete(this.key(bus, row.name));
    this.matcher(bus).removeRule(row.name);
  }

  enableRule(input: { Name: string | undefined; EventBusName?: string | undefined }): void {
    this.setRuleState(input, 'ENABLED');
  }

  disableRule(input: { Name: string | undefined; EventBusName?: string | undefined }): void {
    this.setRuleState(input, 'DISABLED');
  }

  private setRuleState(input: { Name: string | undefined; EventBusName?: string | undefined }, state: RuleState): void {
    const row = this.requireRule(input.Name, input.EventBusName);
    const now = this.clock.now();
    row.state = state;
    row.next_fire_at = row.schedule_expression && state !== 'DISABLED' ? (nextScheduleFire(row.schedule_expression, now, row.created_at, this.options.cronNext) ?? null) : null;
    this.sql('UPDATE bus_rules SET state = ?, next_fire_at = ? WHERE bus = ? AND name = ?').run(state, row.next_fire_at, row.bus, row.name);
    this.syncMatcher(row);
  }

  private toRule(row: RuleRow): Rule {
    const rule: Rule = { Name: row.name, Arn: row.arn, State: row.state as RuleState, EventBusName: row.bus };
    if (row.event_pattern !== null) rule.EventPattern = row.event_pattern;
    if (row.schedule_expression !== null) rule.ScheduleExpression = row.schedule_expression;
    if (row.description !== null) rule.Description = row.description;
    if (row.role_arn !== null) rule.RoleArn = row.role_arn;
    return rule;
  }

  describeRule(input: { Name: string | undefined; EventBusName?: string | undefined }): Rule {
    return this.toRule(this.requireRule(input.Name, input.EventBusName));
  }

  listRules(input: { EventBusName?: string | undefined; NamePrefix?: string | undefined } = {}): { Rules: Rule[] } {
    const bus = this.requireBus(input.EventBusName);
    const rows = [...this.rules.values()].filter((r) => r.bus === bus && r.name.startsWith(input.NamePrefix ?? '')).sort((a, b) => a.name.localeCompare(b.name));
    return { Rules: rows.map((r) => this.toRule(r)) };
  }

  testEventPattern(input: { EventPattern: string | undefined; Event: string | undefined }): { Result: boolean } {
    return { Result: matchesPattern(input.EventPattern ?? '', JSON.parse(input.Event ?? 'null')) };
  }

  // ---- targets ----

  putTargets(input: PutTargetsCommandInput): { FailedEntryCount: number; FailedEntries: PutTargetsResultEntry[] } {
    const rule = this.requireRule(input.Rule, input.EventBusName);
    const k = this.key(rule.bus, rule.name);
    const current = [...(this.targets.get(k) ?? [])];
    const failed: PutTargetsResultEntry[] = [];
    const accepted: Target[] = [];
    for (const t of input.Targets ?? []) {
      const problem = !t.Id || !NAME.test(t.Id) ? 'Target Id must be 1-64 characters of [.-_A-Za-z0-9].' : !t.Arn ? 'Target Arn is required.' : (checkTargetInput(t) ?? this.checkRetryPolicy(t));
      if (problem) failed.push({ TargetId: t.Id, ErrorCode: 'ValidationException', ErrorMessage: problem });
      else accepted.push(t);
    }
    const ids = new Set([...current.map((t) => t.Id), ...accepted.map((t) => t.Id)]);
    if (ids.size > MAX_TARGETS_PER_RULE)
      throw new EventBridgeError('LimitExceededException', `The requested resource exceeds the maximum number allowed: a rule can have at most ${MAX_TARGETS_PER_RULE} targets.`);
    const upsert = this.sql('INSERT INTO bus_targets (bus, rule, id, config) VALUES (?, ?, ?, ?) ON CONFLICT(bus, rule, id) DO UPDATE SET config = excluded.config');
    this.db.transaction(() => {
      for (const t of accepted) upsert.run(rule.bus, rule.name, t.Id, JSON.stringify(t));
    })();
    for (const t of accepted) {
      const i = current.findIndex((c) => c.Id === t.Id);
      if (i >= 0) current[i] = t;
      else current.push(t);
    }
    this.targets.set(k, current);
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  private checkRetryPolicy(t: Target): string | undefined {
    const p = t.RetryPolicy;
    if (!p) return undefined;
    if (p.MaximumRetryAttempts !== undefined && !(Number.isInteger(p.MaximumRetryAttempts) && p.MaximumRetryAttempts >= 0 && p.MaximumRetryAttempts <= 185)) {
      return 'RetryPolicy.MaximumRetryAttempts must be an integer from 0 to 185.';
    }
    if (p.MaximumEventAgeInSeconds !== undefined && !(Number.isInteger(p.MaximumEventAgeInSeconds) && p.MaximumEventAgeInSeconds >= 60 && p.MaximumEventAgeInSeconds <= 86_400)) {
      return 'RetryPolicy.MaximumEventAgeInSeconds must be an integer from 60 to 86400.';
    }
    return undefined;
  }

  removeTargets(input: RemoveTargetsCommandInput): { FailedEntryCount: number; FailedEntries: PutTargetsResultEntry[] } {
    const rule = this.requireRule(input.Rule, input.EventBusName);
    const k = this.key(rule.bus, rule.name);
    const current = this.targets.get(k) ?? [];
    const remove = new Set(input.Ids ?? []);
    const del = this.sql('DELETE FROM bus_targets WHERE bus = ? AND rule = ? AND id = ?');
    this.db.transaction(() => {
      for (const id of remove) del.run(rule.bus, rule.name, id);
    })();
    this.targets.set(
      k,
      current.filter((t) => !remove.has(t.Id ?? '')),
    );
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  listTargetsByRule(input: { Rule: string | undefined; EventBusName?: string | undefined }): { Targets: Target[] } {
    const rule = this.requireRule(input.Rule, input.EventBusName);
    return { Targets: [...(this.targets.get(this.key(rule.bus, rule.name)) ?? [])] };
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
        if (!this.buses.has(bus)) {
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
        this.route(bus, event, timeMs, now, { archive: true });
        results.push({ EventId: id });
      }
      // The caller's write commits with the events or not at all (a crash cannot fall between them).
      if (alongside?.db === this.db) alongside.write({ FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results });
    })();
    return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
  }

  /** Stores an event and the deliveries (and archive entries) it owes; runs inside a transaction. */
  private route(
    bus: string,
    event: BusEvent,
    timeMs: number,
    now: number,
    opts: { archive: boolean; replayName?: string; ruleFilter?: (rule: RuleRow) => boolean; onlyRule?: string },
  ): { rowId: string; deliveries: number } {
    const rowId = opts.replayName ? this.ids.next() : event.id;
    this.sql('INSERT INTO bus_events (id, bus, time_ms, ingested_at, replay_name, payload) VALUES (?, ?, ?, ?, ?, ?)').run(
      rowId,
      bus,
      timeMs,
      now,
      opts.replayName ?? null,
      this.codec.encode(event, eventAad(rowId)),
    );
    const ruleNames = opts.onlyRule !== undefined ? [opts.onlyRule] : this.matcher(bus).matches(event);
    const insert = this.sql("INSERT INTO bus_deliveries (event_id, bus, rule, target_id, status, attempts, due_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)");
    let deliveries = 0;
    for (const name of ruleNames) {
      const rule = this.rules.get(this.key(bus, name));
      if (!rule || (opts.ruleFilter && !opts.ruleFilter(rule))) continue;
      for (const t of this.targets.get(this.key(bus, name)) ?? []) {
        insert.run(rowId, bus, name, t.Id, now, now);
        deliveries++;
      }
    }
    if (opts.archive) {
      const a = this.archives.get(bus);
      if (a) {
        const add = this.sql('INSERT OR IGNORE INTO bus_archive_events (archive, event_id, time_ms) VALUES (?, ?, ?)');
        for (const name of [...a.all, ...a.matcher.matches(event)]) add.run(name, rowId, timeMs);
      }
    }
    return { rowId, deliveries };
  }

  // ---- delivery ----

  /** When the next delivery or scheduled rule is due (epoch ms), or undefined when idle. */
  nextDueAt(): number | undefined {
    const d = this.sql("SELECT MIN(due_at) AS t FROM bus_deliveries WHERE status = 'pending'").get() as { t: number | null };
    const s = this.sql("SELECT MIN(next_fire_at) AS t FROM bus_rules WHERE next_fire_at IS NOT NULL AND state != 'DISABLED'").get() as { t: number | null };
    const times = [d.t, s.t].filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Fires due scheduled rules, then attempts every delivery due now. Never runs twice at once. */
  async deliverDue(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, retried: 0, deadLettered: 0, dropped: 0 };
    if (this.delivering) return report;
    this.delivering = true;
    try {
      const now = this.clock.now();
      this.fireSchedules(now);
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
    const rule = this.rules.get(this.key(row.bus, row.rule));
    const target = (this.targets.get(this.key(row.bus, row.rule)) ?? []).find((t) => t.Id === row.target_id);
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

  private fireSchedules(now: number): void {
    for (const rule of this.rules.values()) {
      if (rule.state === 'DISABLED' || rule.schedule_expression === null || rule.next_fire_at === null || rule.next_fire_at > now) continue;
      const fireAt = rule.next_fire_at;
      const id = this.ids.next();
      const event: BusEvent = {
        version: '0',
        id,
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: this.accountId,
        time: eventTime(fireAt),
        region: this.region,
        resources: [rule.arn],
        detail: {},
      };
      // After downtime a schedule fires once, not once per missed period.
      const next = nextScheduleFire(rule.schedule_expression, now, rule.created_at, this.options.cronNext) ?? null;
      this.db.transaction(() => {
        this.route(rule.bus, event, fireAt, now, { archive: true, onlyRule: rule.name });
        this.sql('UPDATE bus_rules SET next_fire_at = ? WHERE bus = ? AND name = ?').run(next, rule.bus, rule.name);
      })();
      rule.next_fire_at = next;
    }
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
   * delivery, dead letter or archive entry left. Returns the number of events removed.
   */
  purgeDelivered(beforeMs: number): number {
    return this.db.transaction(() => {
      this.sql("DELETE FROM bus_deliveries WHERE status IN ('delivered', 'dropped') AND updated_at < ?").run(beforeMs);
      return this.sql(
        `DELETE FROM bus_events WHERE ingested_at < ?
           AND NOT EXISTS (SELECT 1 FROM bus_deliveries d WHERE d.event_id = bus_events.id)
           AND NOT EXISTS (SELECT 1 FROM bus_dead_letters l WHERE l.event_id = bus_events.id)
           AND NOT EXISTS (SELECT 1 FROM bus_archive_events a WHERE a.event_id = bus_events.id)`,
      ).run(beforeMs).changes;
    })();
  }

  pendingDeliveries(): number {
    return (this.sql("SELECT COUNT(*) AS n FROM bus_deliveries WHERE status = 'pending'").get() as { n: number }).n;
  }

  // ---- archives and replay ----

  archiveArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:archive/${name}`;
  }

  createArchive(input: CreateArchiveCommandInput): { ArchiveArn: string; State: 'ENABLED'; CreationTime: Date } {
    const name = input.ArchiveName ?? '';
    if (!/^[.\-_A-Za-z0-9]{1,48}$/.test(name)) throw new EventBridgeError('ValidationException', `Archive name ${JSON.stringify(name)} is not valid.`);
    const bus = this.requireBus(input.EventSourceArn);
    if (this.sql('SELECT 1 FROM bus_archives WHERE name = ?').get(name)) throw new EventBridgeError('ResourceAlreadyExistsException', `Archive ${name} already exists.`);
    if (input.EventPattern !== undefined) new PatternMatcher().addRule(name, input.EventPattern);
    const now = this.clock.now();
    this.sql("INSERT INTO bus_archives (name, arn, bus, event_pattern, description, retention_days, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'ENABLED', ?)").run(
      name,
      this.archiveArn(name),
      bus,
      input.EventPattern ?? null,
      input.Description ?? null,
      input.RetentionDays ?? 0,
      now,
    );
    this.addArchiveMatcher(bus, name, input.EventPattern ?? null);
    return { ArchiveArn: this.archiveArn(name), State: 'ENABLED', CreationTime: new Date(now) };
  }

  describeArchive(input: { ArchiveName: string | undefined }): {
    ArchiveName: string;
    ArchiveArn: string;
    EventSourceArn: string;
    EventPattern?: string;
    RetentionDays: number;
    State: string;
    EventCount: number;
  } {
    const row = this.sql('SELECT * FROM bus_archives WHERE name = ?').get(input.ArchiveName ?? '') as Record<string, unknown> | undefined;
    if (!row) throw new EventBridgeError('ResourceNotFoundException', `Archive ${input.ArchiveName} does not exist.`);
    const count = (this.sql('SELECT COUNT(*) AS n FROM bus_archive_events WHERE archive = ?').get(row.name) as { n: number }).n;
    return {
      ArchiveName: row.name as string,
      ArchiveArn: row.arn as string,
      EventSourceArn: this.busArn(row.bus as string),
      ...(row.event_pattern !== null ? { EventPattern: row.event_pattern as string } : {}),
      RetentionDays: row.retention_days as number,
      State: row.state as string,
      EventCount: count,
    };
  }

  /** Drops archived events older than each archive's retention (0 = keep forever). */
  purgeExpiredArchiveEvents(): number {
    const now = this.clock.now();
    let n = 0;
    for (const a of this.sql('SELECT name, retention_days FROM bus_archives WHERE retention_days > 0').all() as { name: string; retention_days: number }[]) {
      n += this.sql('DELETE FROM bus_archive_events WHERE archive = ? AND time_ms < ?').run(a.name, now - a.retention_days * 86_400_000).changes;
    }
    return n;
  }

  /**
   * Replays the archive's events whose time lies in [EventStartTime, EventEndTime) to the rules
   * of the destination bus as they are now (optionally only the FilterArns rules). Replayed events
   * carry `replay-name` and are not archived again. Runs to completion before returning.
   */
  startReplay(input: StartReplayCommandInput): { ReplayArn: string; State: 'COMPLETED'; ReplayStartTime: Date; EventsReplayed: number } {
    const name = input.ReplayName ?? '';
    if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(name)) throw new EventBridgeError('ValidationException', `Replay name ${JSON.stringify(name)} is not valid.`);
    if (this.sql('SELECT 1 FROM bus_replays WHERE name = ?').get(name)) throw new EventBridgeError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
    const archiveName = (input.EventSourceArn ?? '').split(':archive/').pop() ?? '';
    const archive = this.sql('SELECT name, bus FROM bus_archives WHERE name = ?').get(archiveName) as { name: string; bus: string } | undefined;
    if (!archive) throw new EventBridgeError('ResourceNotFoundException', `Archive ${archiveName} does not exist.`);
    const dest = this.requireBus(input.Destination?.Arn);
    if (dest !== archive.bus) throw new EventBridgeError('ValidationException', 'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.');
    const start = input.EventStartTime?.getTime();
    const end = input.EventEndTime?.getTime();
    if (start === undefined || end === undefined || !(start < end)) throw new EventBridgeError('ValidationException', 'Parameter EventStartTime must be before EventEndTime.');
    const now = this.clock.now();
    if (end > now) throw new EventBridgeError('ValidationException', 'Parameter EventEndTime is not valid. Reason: EventEndTime cannot be in the future.');
    const filter = input.Destination?.FilterArns?.length ? new Set(input.Destination.FilterArns) : undefined;
    const arn = `arn:aws:events:${this.region}:${this.accountId}:replay/${name}`;
    let replayed = 0;
    let last: number | null = null;
    this.db.transaction(() => {
      const rows = this.sql(
        'SELECT e.id, e.payload, a.time_ms FROM bus_archive_events a JOIN bus_events e ON e.id = a.event_id WHERE a.archive = ? AND a.time_ms >= ? AND a.time_ms < ? ORDER BY a.time_ms, e.rowid',
      ).all(archive.name, start, end) as { id: string; payload: string | Buffer; time_ms: number }[];
      for (const r of rows) {
        const original = this.codec.decode(r.payload, eventAad(r.id)) as BusEvent;
        const event: BusEvent = { ...original, 'replay-name': name };
        this.route(dest, event, r.time_ms, now, { archive: false, replayName: name, ...(filter ? { ruleFilter: (rule: RuleRow) => filter.has(rule.arn) } : {}) });
        replayed++;
        last = r.time_ms;
      }
      this.sql(
        "INSERT INTO bus_replays (name, arn, archive, destination, event_start, event_end, state, events_replayed, last_replayed_time, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, 'COMPLETED', ?, ?, ?, ?)",
      ).run(name, arn, archive.name, dest, start, end, replayed, last, now, now);
    })();
    return { ReplayArn: arn, State: 'COMPLETED', ReplayStartTime: new Date(now), EventsReplayed: replayed };
  }

  describeReplay(input: { ReplayName: string | undefined }): { ReplayName: string; ReplayArn: string; State: string; EventsReplayed: number; EventLastReplayedTime?: Date } {
    const row = this.sql('SELECT * FROM bus_replays WHERE name = ?').get(input.ReplayName ?? '') as Record<string, unknown> | undefined;
    if (!row) throw new EventBridgeError('ResourceNotFoundException', `Replay ${input.ReplayName} does not exist.`);
    return {
      ReplayName: row.name as string,
      ReplayArn: row.arn as string,
      State: row.state as string,
      EventsReplayed: row.events_replayed as number,
      ...(row.last_replayed_time !== null ? { EventLastReplayedTime: new Date(row.last_replayed_time as number) } : {}),
    };
  }
}
