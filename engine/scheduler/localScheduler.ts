// Size: the Scheduler API's operations (groups, create, update, get, list, delete) over one set of
// tables, each with AWS's input checks; firing and retries are already apart in
// schedulerDeliveries.ts.
import { createHash } from 'node:crypto';
import type {
  CreateScheduleCommandInput,
  CreateScheduleGroupCommandInput,
  DeleteScheduleCommandInput,
  DeleteScheduleGroupCommandInput,
  FlexibleTimeWindow,
  GetScheduleCommandInput,
  GetScheduleCommandOutput,
  ListSchedulesCommandInput,
  ListSchedulesCommandOutput,
  ScheduleSummary,
  UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { IANAZone } from 'luxon';
import type { Clock } from '../../schemas/clock';
import type { SchedulerPort } from '../../schemas/ports';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../schemas/task';
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../../core/db/openDatabase';
import { createPayloadCodec, type PayloadCodec } from '../../core/db/payloadCodec';
import { atInstant, nextOccurrence, parseScheduleExpression, validateScheduleExpression, type ScheduleExpression } from './scheduleExpression';
import { conflictException, notFoundException, validationException } from './schedulerErrors';
import { fireExecutionId, SchedulerDeliveries, type DeadLetter } from './schedulerDeliveries';
import { ensureSchedulerSchema, type ScheduleRow } from './schedulerStore';
import type { TargetInvoker } from './targetInvoker';
import { validateScheduleInput, type StoredSpec } from './validateScheduleInput';

export const DEFAULT_GROUP = 'default';
export { retryDelayMs } from './schedulerDeliveries';

export interface LocalSchedulerOptions {
  db: Db;
  clock: Clock;
  invoke: TargetInvoker;
  /** A number in [0, 1) for a fire's flexible-window offset; default: a hash of the fire, so it is reproducible. */
  random?: (fireKey: string) => number;
  region?: string;
  account?: string;
  /**
   * Encrypts each schedule's spec (target input: order reference, dose time, zone) and each
   * pending delivery's target, bound to their rows; plain JSON without a key.
   */
  codec?: PayloadCodec;
}

export interface FireDueResult {
  /** Occurrences turned into deliveries. */
  fired: number;
  delivered: number;
  retried: number;
  deadLettered: number;
  /** More work was due than one call handles; call again. */
  more: boolean;
}

function hashFraction(key: string): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * The local EventBridge Scheduler: schedules and their next fire times in SQLite, fired by
 * `fireDue()` on an injected clock (see schedulerTimerDriver.ts for the real-time loop).
 */
export class LocalScheduler implements SchedulerPort {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly deliveries: SchedulerDeliveries;
  private readonly random: (fireKey: string) => number;
  private readonly region: string;
  private readonly account: string;
  private readonly changeListeners = new Set<() => void>();
  private readonly statements = new Map<string, BetterSqlite3.Statement<unknown[]>>();

  private readonly codec: PayloadCodec;

  constructor(options: LocalSchedulerOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.codec = options.codec ?? createPayloadCodec();
    this.deliveries = new SchedulerDeliveries(this.db, options.invoke, this.codec);
    this.random = options.random ?? hashFraction;
    this.region = options.region ?? LOCAL_REGION;
    this.account = options.account ?? LOCAL_ACCOUNT;
    ensureSchedulerSchema(this.db);
    const now = this.clock.now();
    this.sql('INSERT OR IGNORE INTO scheduler_groups (name, arn, creation_ms, last_modified_ms) VALUES (?, ?, ?, ?)').run(DEFAULT_GROUP, this.groupArn(DEFAULT_GROUP), now, now);
  }

  private sql(text: string): BetterSqlite3.Statement<unknown[]> {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /** Called after any change that may move the next due time (the timer driver re-arms on it). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  groupArn(group: string): string {
    return `arn:aws:scheduler:${this.region}:${this.account}:schedule-group/${group}`;
  }

  scheduleArn(group: string, name: string): string {
    return `arn:aws:scheduler:${this.region}:${this.account}:schedule/${group}/${name}`;
  }

  // ---- stored specs ----------------------------------------------------------------------------

  private sealSpec(spec: StoredSpec, group: string, name: string): string | Buffer {
    return this.codec.encode(spec, `scheduler_schedules|${group}|${name}`);
  }

  private openSpec(row: Pick<ScheduleRow, 'spec' | 'group_name' | 'name'>): StoredSpec {
    return this.codec.decode(row.spec, `scheduler_schedules|${row.group_name}|${row.name}`) as StoredSpec;
  }

  // ---- ClientToken idempotency -------------------------------------------------------------

  private idempotent<T>(operation: string, token: string | undefined, request: object, run: () => T): T {
    if (token === undefined) return run();
    const { ClientToken: _omit, ...rest } = request as { ClientToken?: string };
    const hash = createHash('sha256').update(JSON.stringify(rest)).digest('hex');
    const prior = this.sql('SELECT request_hash, result FROM scheduler_client_tokens WHERE operation = ? AND token = ?').get(operation, token) as { request_hash: string; result: string } | undefined;
    if (prior) {
      if (prior.request_hash !== hash) throw conflictException(`ClientToken '${token}' was already used for a different ${operation} request`);
      return JSON.parse(prior.result) as T;
    }
    return this.db.transaction(() => {
      const result = run();
      this.sql('INSERT INTO scheduler_client_tokens (operation, token, request_hash, result, created_ms) VALUES (?, ?, ?, ?, ?)').run(
        operation,
        token,
        hash,
        JSON.stringify(result ?? null),
        this.clock.now(),
      );
      return result;
    })();
  }

  // ---- schedule groups ---------------------------------------------------------------------

  async createScheduleGroup(input: CreateScheduleGroupCommandInput): Promise<{ ScheduleGroupArn: string }> {
    const name = input.Name ?? '';
    if (!/^[0-9a-zA-Z-_.]{1,64}$/.test(name)) throw validationException(`Name '${name}' must match [0-9a-zA-Z-_.]+ and be 1-64 characters`);
    return this.idempotent('CreateScheduleGroup', input.ClientToken, input, () => {
      if (this.groupExists(name)) throw conflictException(`Schedule group ${name} already exists.`);
      const now = this.clock.now();
      this.sql('INSERT INTO scheduler_groups (name, arn, creation_ms, last_modified_ms) VALUES (?, ?, ?, ?)').run(name, this.groupArn(name), now, now);
      return { ScheduleGroupArn: this.groupArn(name) };
    });
  }

  async deleteScheduleGroup(input: DeleteScheduleGroupCommandInput): Promise<void> {
    const name = input.Name ?? '';
    if (name === DEFAULT_GROUP) throw validationException('The default schedule group cannot be deleted.');
    this.idempotent('DeleteScheduleGroup', input.ClientToken, input, () => {
      if (!this.groupExists(name)) throw notFoundException(`Schedule group ${name} does not exist.`);
      this.sql('DELETE FROM scheduler_schedules WHERE group_name = ?').run(name);
      this.sql('DELETE FROM scheduler_groups WHERE name = ?').run(name);
      return null;
    });
    this.changed();
  }

  async listScheduleGroups(): Promise<{ ScheduleGroups: { Name: string; Arn: string; State: 'ACTIVE'; CreationDate: Date }[] }> {
    const rows = this.sql('SELECT name, arn, creation_ms FROM scheduler_groups ORDER BY name').all() as { name: string; arn: string; creation_ms: number }[];
    return { ScheduleGroups: rows.map((r) => ({ Name: r.name, Arn: r.arn, State: 'ACTIVE', CreationDate: new Date(r.creation_ms) })) };
  }

  private groupExists(name: string): boolean {
    return this.sql('SELECT 1 FROM scheduler_groups WHERE name = ?').get(name) !== undefined;
  }

  // ---- schedules ---------------------------------------------------------------------------

  async createSchedule(input: CreateScheduleCommandInput): Promise<{ ScheduleArn: string }> {
    const spec = validateScheduleInput(input);
    const result = this.idempotent('CreateSchedule', input.ClientToken, input, () => {
      if (!this.groupExists(spec.GroupName)) throw notFoundException(`Schedule group ${spec.GroupName} does not exist.`);
      if (this.row(spec.GroupName, spec.Name)) throw conflictException(`Schedule ${spec.Name} already exists.`);
      const now = this.clock.now();
      const arn = this.scheduleArn(spec.GroupName, spec.Name);
      const row: ScheduleRow = {
        group_name: spec.GroupName,
        name: spec.Name,
        arn,
        spec: this.sealSpec(spec, spec.GroupName, spec.Name),
        state: spec.State,
        anchor_ms: spec.StartDate === undefined ? now : Date.parse(spec.StartDate),
        next_nominal_ms: null,
        next_due_ms: null,
        creation_ms: now,
        last_modified_ms: now,
      };
      this.planFirst(row, spec, now);
      this.sql(
        `INSERT INTO scheduler_schedules (group_name, name, arn, spec, state, anchor_ms, next_nominal_ms, next_due_ms, creation_ms, last_modified_ms)
                  VALUES (@group_name, @name, @arn, @spec, @state, @anchor_ms, @next_nominal_ms, @next_due_ms, @creation_ms, @last_modified_ms)`,
      ).run(row);
      return { ScheduleArn: arn };
    });
    this.changed();
    return result;
  }

  /** UpdateSchedule replaces the whole definition, as on AWS; the next fire is recomputed from now. */
  async updateSchedule(input: UpdateScheduleCommandInput): Promise<{ ScheduleArn: string }> {
    const spec = validateScheduleInput(input);
    const result = this.idempotent('UpdateSchedule', input.ClientToken, input, () => {
      const existing = this.row(spec.GroupName, spec.Name);
      if (!existing) throw notFoundException(`Schedule ${spec.Name} does not exist.`);
      const now = this.clock.now();
      const row: ScheduleRow = {
        ...existing,
        spec: this.sealSpec(spec, spec.GroupName, spec.Name),
        state: spec.State,
        anchor_ms: spec.StartDate === undefined ? now : Date.parse(spec.StartDate),
        last_modified_ms: now,
      };
      this.planFirst(row, spec, now);
      this.sql(
        `UPDATE scheduler_schedules SET spec = @spec, state = @state, anchor_ms = @anchor_ms, next_nominal_ms = @next_nominal_ms,
                  next_due_ms = @next_due_ms, last_modified_ms = @last_modified_ms WHERE group_name = @group_name AND name = @name`,
      ).run(row);
      return { ScheduleArn: existing.arn };
    });
    this.changed();
    return result;
  }

  async deleteSchedule(input: DeleteScheduleCommandInput): Promise<void> {
    const group = input.GroupName ?? DEFAULT_GROUP;
    const name = input.Name ?? '';
    this.idempotent('DeleteSchedule', input.ClientToken, input, () => {
      const info = this.sql('DELETE FROM scheduler_schedules WHERE group_name = ? AND name = ?').run(group, name);
      if (info.changes === 0) throw notFoundException(`Schedule ${name} does not exist.`);
      return null;
    });
    this.changed();
  }

  async getSchedule(input: GetScheduleCommandInput): Promise<Omit<GetScheduleCommandOutput, '$metadata'>> {
    const group = input.GroupName ?? DEFAULT_GROUP;
    const row = this.row(group, input.Name ?? '');
    if (!row) throw notFoundException(`Schedule ${input.Name ?? ''} does not exist.`);
    const spec = this.openSpec(row);
    return {
      Arn: row.arn,
      Name: row.name,
      GroupName: row.group_name,
      ScheduleExpression: spec.ScheduleExpression,
      ScheduleExpressionTimezone: spec.ScheduleExpressionTimezone,
      ...(spec.StartDate === undefined ? {} : { StartDate: new Date(spec.StartDate) }),
      ...(spec.EndDate === undefined ? {} : { EndDate: new Date(spec.EndDate) }),
      ...(spec.Description === undefined ? {} : { Description: spec.Description }),
      ...(spec.KmsKeyArn === undefined ? {} : { KmsKeyArn: spec.KmsKeyArn }),
      State: spec.State,
      Target: spec.Target,
      FlexibleTimeWindow: spec.FlexibleTimeWindow,
      ActionAfterCompletion: spec.ActionAfterCompletion,
      CreationDate: new Date(row.creation_ms),
      LastModificationDate: new Date(row.last_modified_ms),
    };
  }

  async listSchedules(input: ListSchedulesCommandInput): Promise<Omit<ListSchedulesCommandOutput, '$metadata'>> {
    const max = input.MaxResults ?? 100;
    if (max < 1 || max > 100) throw validationException('MaxResults must be between 1 and 100');
    const after = input.NextToken === undefined ? ['', ''] : (JSON.parse(Buffer.from(input.NextToken, 'base64url').toString()) as [string, string]);
    const where = ['(group_name > ? OR (group_name = ? AND name > ?))'];
    const params: (string | number)[] = [after[0] ?? '', after[0] ?? '', after[1] ?? ''];
    if (input.GroupName !== undefined) {
      where.push('group_name = ?');
      params.push(input.GroupName);
    }
    if (input.NamePrefix !== undefined) {
      where.push('substr(name, 1, ?) = ?');
      params.push(input.NamePrefix.length, input.NamePrefix);
    }
    if (input.State !== undefined) {
      where.push('state = ?');
      params.push(input.State);
    }
    const rows = this.sql(`SELECT * FROM scheduler_schedules WHERE ${where.join(' AND ')} ORDER BY group_name, name LIMIT ?`).all(...params, max + 1) as ScheduleRow[];
    const page = rows.slice(0, max);
    const last = page[page.length - 1];
    const schedules: ScheduleSummary[] = page.map((r) => {
      const spec = this.openSpec(r);
      return {
        Arn: r.arn,
        Name: r.name,
        GroupName: r.group_name,
        State: spec.State,
        CreationDate: new Date(r.creation_ms),
        LastModificationDate: new Date(r.last_modified_ms),
        Target: { Arn: spec.Target.Arn },
      };
    });
    return {
      Schedules: schedules,
      ...(rows.length > max && last ? { NextToken: Buffer.from(JSON.stringify([last.group_name, last.name])).toString('base64url') } : {}),
    };
  }

  private row(group: string, name: string): ScheduleRow | undefined {
    return this.sql('SELECT * FROM scheduler_schedules WHERE group_name = ? AND name = ?').get(group, name) as ScheduleRow | undefined;
  }

  // ---- firing ------------------------------------------------------------------------------

  private occurrenceAfter(e: ScheduleExpression, spec: StoredSpec, anchor: number, from: number, inclusive: boolean): number | undefined {
    const zone = IANAZone.create(spec.ScheduleExpressionTimezone);
    return nextOccurrence(e, zone, from, inclusive, {
      startDate: spec.StartDate === undefined ? undefined : Date.parse(spec.StartDate),
      endDate: spec.EndDate === undefined ? undefined : Date.parse(spec.EndDate),
      anchor,
    });
  }

  private planFirst(row: ScheduleRow, spec: StoredSpec, now: number): void {
    const e = parseScheduleExpression(spec.ScheduleExpression);
    // A one-time schedule fires once even when its time has passed; delivery ages it out if too old.
    const next = e.kind === 'at' ? atInstant(e, IANAZone.create(spec.ScheduleExpressionTimezone)) : this.occurrenceAfter(e, spec, row.anchor_ms, now, true);
    this.setNext(row, spec, next);
  }

  private setNext(row: ScheduleRow, spec: StoredSpec, nominal: number | undefined): void {
    row.next_nominal_ms = nominal ?? null;
    row.next_due_ms = nominal === undefined ? null : nominal + this.flexOffset(spec.FlexibleTimeWindow, row.arn, nominal);
  }

  private flexOffset(window: FlexibleTimeWindow, arn: string, nominal: number): number {
    if (window.Mode !== 'FLEXIBLE') return 0;
    const maxMs = (window.MaximumWindowInMinutes ?? 0) * 60_000;
    return Math.floor(this.random(`${arn}|${nominal}`) * maxMs);
  }

  /** The earliest time at which fireDue() has work: a schedule's next fire or a delivery's retry. */
  nextDueAt(): number | undefined {
    const s = this.sql("SELECT MIN(next_due_ms) AS t FROM scheduler_schedules WHERE state = 'ENABLED' AND next_due_ms IS NOT NULL").get() as { t: number | null };
    const ts = [s.t ?? undefined, this.deliveries.nextDueAt()].filter((t): t is number => t !== undefined);
    return ts.length === 0 ? undefined : Math.min(...ts);
  }

  /**
   * Turns every occurrence due by the clock into a stored delivery (advancing the schedule in the
   * same transaction), then attempts the due deliveries: success removes them; failure retries with
   * back-off until RetryPolicy is exhausted, then the delivery goes to the dead-letter table.
   */
  async fireDue(limit = 1000): Promise<FireDueResult> {
    const now = this.clock.now();
    const result: FireDueResult = { fired: 0, delivered: 0, retried: 0, deadLettered: 0, more: false };
    const due = this.sql("SELECT * FROM scheduler_schedules WHERE state = 'ENABLED' AND next_due_ms IS NOT NULL AND next_due_ms <= ? ORDER BY next_due_ms LIMIT ?");
    this.db.transaction(() => {
      // Catch-up: a schedule that missed several occurrences yields one delivery for each.
      while (result.fired < limit) {
        const rows = due.all(now, limit - result.fired) as ScheduleRow[];
        if (rows.length === 0) break;
        for (const row of rows) {
          this.fireOne(row, now);
          result.fired += 1;
        }
      }
      result.more = result.fired >= limit;
    })();

    const d = await this.deliveries.deliverDue(now, limit);
    result.delivered = d.delivered;
    result.retried = d.retried;
    result.deadLettered = d.deadLettered;
    if (d.full) result.more = true;
    if (result.fired > 0 || d.attempted > 0) this.changed();
    return result;
  }

  private fireOne(row: ScheduleRow, now: number): void {
    const spec = this.openSpec(row);
    const nominal = row.next_nominal_ms ?? now;
    const executionId = fireExecutionId(row.arn, nominal);
    this.deliveries.enqueue(row.arn, spec.Target, nominal, row.next_due_ms ?? now, executionId);
    const e = parseScheduleExpression(spec.ScheduleExpression);
    const next = e.kind === 'at' ? undefined : this.occurrenceAfter(e, spec, row.anchor_ms, nominal, false);
    if (next === undefined && spec.ActionAfterCompletion === 'DELETE') {
      this.sql('DELETE FROM scheduler_schedules WHERE group_name = ? AND name = ?').run(row.group_name, row.name);
      return;
    }
    this.setNext(row, spec, next);
    this.sql('UPDATE scheduler_schedules SET next_nominal_ms = ?, next_due_ms = ? WHERE group_name = ? AND name = ?').run(row.next_nominal_ms, row.next_due_ms, row.group_name, row.name);
  }

  /** Deliveries that failed for good (the local stand-in for the DeadLetterConfig SQS queue). */
  deadLetters(): DeadLetter[] {
    return this.deliveries.deadLetters();
  }

  /** Deliveries stored and not yet done (first attempt or waiting to retry). */
  pendingDeliveries(): number {
    return this.deliveries.pending();
  }

  /** The stored next nominal fire time of a schedule, for inspection and tests. */
  nextFireOf(name: string, group = DEFAULT_GROUP): number | undefined {
    return this.row(group, name)?.next_nominal_ms ?? undefined;
  }
}

export { validateScheduleExpression };
