/**
 * The local bus's control plane: event buses, rules (event patterns) and their targets, stored in
 * SQLite and mirrored in memory, with one shared-automaton PatternMatcher per bus. LocalEventBus
 * adds routing (PutEvents) on top, and BusDelivery works through what routing stored.
 */
import type { PutRuleCommandInput, PutTargetsCommandInput, PutTargetsResultEntry, RemoveTargetsCommandInput, Rule, RuleState, Target } from '@aws-sdk/client-eventbridge';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../core/db/openDatabase';
import type { Clock } from '../../schemas/clock';
import { ensureBusAttemptSchema } from './busAttemptSchema';
import { EventBridgeError } from './busErrors';
import { ensureBusSchema } from './busSchema';
import { checkTargetInput } from './inputTransform';
import { PatternMatcher, matchesPattern } from './pattern/patternMatcher';

export const DEFAULT_BUS = 'default';
export const MAX_TARGETS_PER_RULE = 5;

export interface RuleRow {
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

const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

export interface ControlPlaneOptions {
  db: Db;
  clock: Clock;
  accountId?: string;
  region?: string;
}

export class BusControlPlane {
  protected readonly db: Db;
  protected readonly clock: Clock;
  protected readonly accountId: string;
  protected readonly region: string;
  private readonly buses = new Set<string>();
  private readonly rules = new Map<string, RuleRow>();
  private readonly targets = new Map<string, Target[]>();
  private readonly matchers = new Map<string, PatternMatcher>();
  private readonly statements = new Map<string, Statement>();

  constructor(options: ControlPlaneOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.accountId = options.accountId ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    ensureBusSchema(this.db);
    ensureBusAttemptSchema(this.db);
    this.sql('INSERT OR IGNORE INTO bus_buses (name, created_at) VALUES (?, ?)').run(DEFAULT_BUS, this.clock.now());
    this.load();
  }

  /** Prepared statements are cached: PutEvents runs a handful per entry. */
  protected sql(text: string): Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /** Whether the bus exists. */
  protected hasBus(bus: string): boolean {
    return this.buses.has(bus);
  }

  /** The rule, or undefined when it was deleted. */
  ruleRow(bus: string, rule: string): RuleRow | undefined {
    return this.rules.get(this.key(bus, rule));
  }

  /** The rule's targets as they are now. */
  targetsOf(bus: string, rule: string): readonly Target[] {
    return this.targets.get(this.key(bus, rule)) ?? [];
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
  }

  protected key(bus: string, rule: string): string {
    return `${bus}\u0000${rule}`;
  }

  protected matcher(bus: string): PatternMatcher {
    let m = this.matchers.get(bus);
    if (!m) this.matchers.set(bus, (m = new PatternMatcher()));
    return m;
  }

  private syncMatcher(row: RuleRow): void {
    const m = this.matcher(row.bus);
    if (row.event_pattern !== null && row.state !== 'DISABLED') m.addRule(row.name, row.event_pattern);
    else m.removeRule(row.name);
  }

  // ---- ARNs and names ----

  busArn(bus: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${bus}`;
  }

  ruleArn(bus: string, rule: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:rule/${bus === DEFAULT_BUS ? '' : `${bus}/`}${rule}`;
  }

  protected busName(nameOrArn: string | undefined): string {
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
    if (input.ScheduleExpression !== undefined) {
      // Schedules are EventBridge Scheduler's job here (engine/scheduler, a workflow's `trigger: schedule:`).
      throw new EventBridgeError('ValidationException', 'ScheduleExpression rules are not supported by the local bus; use a schedule (EventBridge Scheduler).');
    }
    if (input.EventPattern === undefined) throw new EventBridgeError('ValidationException', 'Parameter(s) EventPattern must be specified.');
    new PatternMatcher().addRule(name, input.EventPattern); // throws InvalidEventPatternException
    const state: RuleState = input.State ?? 'ENABLED';
    const existing = this.rules.get(this.key(bus, name));
    const now = this.clock.now();
    const row: RuleRow = {
      bus,
      name,
      arn: this.ruleArn(bus, name),
      event_pattern: input.EventPattern,
      schedule_expression: null,
      state,
      description: input.Description ?? null,
      role_arn: input.RoleArn ?? null,
      next_fire_at: null,
      created_at: existing?.created_at ?? now,
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
    row.state = state;
    this.sql('UPDATE bus_rules SET state = ? WHERE bus = ? AND name = ?').run(state, row.bus, row.name);
    this.syncMatcher(row);
  }

  private toRule(row: RuleRow): Rule {
    const rule: Rule = { Name: row.name, Arn: row.arn, State: row.state as RuleState, EventBusName: row.bus };
    if (row.event_pattern !== null) rule.EventPattern = row.event_pattern;
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
}
