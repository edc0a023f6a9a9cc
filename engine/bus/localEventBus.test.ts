import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { WorkflowError } from '../../schemas/errors';
import type { ExecutionPort } from '../../schemas/ports';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import { LocalEventBus, type LocalEventBusOptions } from './localEventBus';
import { MAX_PUT_EVENTS_BYTES } from './putEventsEntries';

const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:reminders';

/** Records StartExecution calls; fails the first `failures` calls with `error`. */
class FakeExecutions implements ExecutionPort {
  calls: StartExecutionCommandInput[] = [];
  constructor(
    public failures = 0,
    public error = 'ServiceUnavailable',
  ) {}
  async startExecution(input: StartExecutionCommandInput) {
    this.calls.push(input);
    if (this.failures > 0) {
      this.failures--;
      throw new WorkflowError(this.error, 'target failed');
    }
    return { executionArn: `${SM.replace(':stateMachine:', ':execution:')}:${input.name}`, startDate: new Date(0) };
  }
  async sendTaskSuccess() {}
  async sendTaskFailure() {}
  async sendTaskHeartbeat() {}
}

function fhirEntry(status: string, extra: Record<string, unknown> = {}) {
  return {
    Source: 'clinflow.fhir',
    DetailType: 'FHIR Resource Changed',
    Resources: ['MedicationRequest/med-1'],
    Detail: JSON.stringify({ resourceType: 'MedicationRequest', reference: 'MedicationRequest/med-1', attributes: { status }, ...extra }),
  };
}

const ACTIVE_ORDERS = JSON.stringify({ source: ['clinflow.fhir'], detail: { resourceType: ['MedicationRequest'], attributes: { status: ['active'] } } });

function setup(overrides: Partial<LocalEventBusOptions> = {}, db: Db = openDatabase(':memory:')) {
  const clock = (overrides.clock as SimulatedClock | undefined) ?? new SimulatedClock(Date.UTC(2025, 2, 9, 14, 0, 0));
  const executions = (overrides.executions as FakeExecutions | undefined) ?? new FakeExecutions();
  const bus = new LocalEventBus({ db, clock, ids: overrides.ids ?? sequentialIds(), executions, retryBaseDelayMs: 1000, retryMaxDelayMs: 60_000, ...overrides });
  return { bus, clock, executions, db };
}

describe('PutEvents', () => {
  it('accepts good entries and reports each bad one with an AWS error code', async () => {
    const { bus } = setup();
    const res = await bus.putEvents([
      fhirEntry('active'),
      { Source: 'x', DetailType: 'y', Detail: '[1,2]' },
      { Source: 'x', DetailType: 'y', Detail: '{"a":' },
      { DetailType: 'y', Detail: '{}' },
      { Source: 'aws.ec2', DetailType: 'y', Detail: '{}' },
      { Source: 'x', DetailType: 'y', Detail: '{}', EventBusName: 'nope' },
    ]);
    expect(res.FailedEntryCount).toBe(5);
    expect(res.Entries.map((e) => e.ErrorCode ?? 'ok')).toEqual(['ok', 'MalformedDetail', 'MalformedDetail', 'InvalidArgument', 'NotAuthorizedForSourceException', 'ResourceNotFoundException']);
    expect(res.Entries[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.Entries[3]?.ErrorMessage).toMatch(/Source is a required argument/);
  });

  it('refuses more than 10 entries and requests over 256 KB', async () => {
    const { bus } = setup();
    await expect(bus.putEvents(Array.from({ length: 11 }, () => fhirEntry('active')))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(bus.putEvents([])).rejects.toMatchObject({ name: 'ValidationException' });
    const big = (n: number) => ({ Source: 's', DetailType: 'd', Detail: JSON.stringify({ x: 'x'.repeat(n) }) });
    // Source (1) + DetailType (1) + Detail ({"x":"…"} = n + 8) must stay within 256 KB.
    await expect(bus.putEvents([big(MAX_PUT_EVENTS_BYTES - 10)])).resolves.toMatchObject({ FailedEntryCount: 0 });
    await expect(bus.putEvents([big(MAX_PUT_EVENTS_BYTES - 9)])).rejects.toThrow(/Total size of the entries in the request is over the limit/);
  });
});

describe('rules and targets', () => {
  it('refuses a bad pattern at PutRule and a rule without a pattern', () => {
    const { bus } = setup();
    expect(() => bus.putRule({ Name: 'r', EventPattern: '{"a": [{"prefix": 3}]}' })).toThrow(/InvalidEventPatternException.*prefix match pattern must be a string/);
    expect(() => bus.putRule({ Name: 'r' })).toThrow(/EventPattern must be specified/);
    expect(bus.listRules().Rules).toEqual([]);
  });

  it('starts the target state machine for matching events only, and not while the rule is disabled', async () => {
    const { bus, executions } = setup();
    bus.putRule({ Name: 'active-orders', EventPattern: ACTIVE_ORDERS });
    expect(bus.putTargets({ Rule: 'active-orders', Targets: [{ Id: 'sm', Arn: SM }] })).toEqual({ FailedEntryCount: 0, FailedEntries: [] });
    await bus.putEvents([fhirEntry('active'), fhirEntry('stopped')]);
    expect(await bus.deliverDue()).toMatchObject({ delivered: 1 });
    expect(executions.calls).toHaveLength(1);
    expect(JSON.parse(executions.calls[0]?.input ?? '')).toMatchObject({ source: 'clinflow.fhir', 'detail-type': 'FHIR Resource Changed', detail: { attributes: { status: 'active' } } });
    expect(executions.calls[0]?.stateMachineArn).toBe(SM);

    bus.disableRule({ Name: 'active-orders' });
    expect(bus.describeRule({ Name: 'active-orders' }).State).toBe('DISABLED');
    await bus.putEvents([fhirEntry('active')]);
    await bus.deliverDue();
    expect(executions.calls).toHaveLength(1);
    bus.enableRule({ Name: 'active-orders' });
    await bus.putEvents([fhirEntry('active')]);
    await bus.deliverDue();
    expect(executions.calls).toHaveLength(2);
  });

  it('applies InputTransformer to what the state machine receives', async () => {
    const { bus, executions } = setup();
    bus.putRule({ Name: 'r', EventPattern: ACTIVE_ORDERS });
    bus.putTargets({
      Rule: 'r',
      Targets: [{ Id: 'sm', Arn: SM, InputTransformer: { InputPathsMap: { ref: '$.detail.reference' }, InputTemplate: '{"reference": <ref>, "why": "<ref> became active"}' } }],
    });
    await bus.putEvents([fhirEntry('active')]);
    await bus.deliverDue();
    expect(JSON.parse(executions.calls[0]?.input ?? '')).toEqual({ reference: 'MedicationRequest/med-1', why: 'MedicationRequest/med-1 became active' });
  });

  it('validates targets and limits a rule to five', () => {
    const { bus } = setup();
    bus.putRule({ Name: 'r', EventPattern: ACTIVE_ORDERS });
    const res = bus.putTargets({
      Rule: 'r',
      Targets: [
        { Id: 'ok', Arn: SM },
        { Id: 'bad', Arn: SM, Input: '{}', InputPath: '$' },
        { Id: 'retry', Arn: SM, RetryPolicy: { MaximumRetryAttempts: 500 } },
      ],
    });
    expect(res.FailedEntryCount).toBe(2);
    expect(res.FailedEntries.map((f) => f.TargetId)).toEqual(['bad', 'retry']);
    expect(() => bus.putTargets({ Rule: 'r', Targets: ['a', 'b', 'c', 'd', 'e'].map((Id) => ({ Id, Arn: SM })) })).toThrow(/LimitExceededException/);
    expect(() => bus.deleteRule({ Name: 'r' })).toThrow(/has targets/);
    bus.removeTargets({ Rule: 'r', Ids: ['ok'] });
    bus.deleteRule({ Name: 'r' });
    expect(bus.listRules().Rules).toHaveLength(0);
  });

  it('routes by bus', async () => {
    const { bus, executions } = setup();
    bus.createEventBus({ Name: 'clinical' });
    bus.putRule({ Name: 'r', EventBusName: 'clinical', EventPattern: ACTIVE_ORDERS });
    bus.putTargets({ Rule: 'r', EventBusName: 'clinical', Targets: [{ Id: 'sm', Arn: SM }] });
    await bus.putEvents([fhirEntry('active')]);
    await bus.putEvents([{ ...fhirEntry('active'), EventBusName: bus.busArn('clinical') }]);
    await bus.deliverDue();
    expect(executions.calls).toHaveLength(1);
    expect(bus.describeRule({ Name: 'r', EventBusName: 'clinical' }).Arn).toBe('arn:aws:events:us-east-1:000000000000:rule/clinical/r');
  });
});

describe('delivery retries and dead letters (simulated clock)', () => {
  it('retries with exponential back-off and then succeeds', async () => {
    const executions = new FakeExecutions(3);
    const { bus, clock } = setup({ executions });
    bus.putRule({ Name: 'r', EventPattern: ACTIVE_ORDERS });
    bus.putTargets({ Rule: 'r', Targets: [{ Id: 'sm', Arn: SM }] });
    await bus.putEvents([fhirEntry('active')]);
    const t0 = clock.now();
    const dues: number[] = [];
    expect(await bus.deliverDue()).toMatchObject({ retried: 1 });
    for (let i = 0; i < 3; i++) {
      const due = bus.nextDueAt() as number;
      dues.push(due - t0);
      clock.set(due - 1);
      expect(await bus.deliverDue()).toMatchObject({ delivered: 0, retried: 0 });
      clock.set(due);
      await bus.deliverDue();
    }
    expect(dues).toEqual([1000, 3000, 7000]);
    expect(executions.calls).toHaveLength(4);
    expect(bus.pendingDeliveries()).toBe(0);
    expect(bus.listDeadLetters()).toEqual([]);
    // Every attempt used the same execution name, so a re-delivery cannot start a second execution.
    expect(new Set(executions.calls.map((c) => c.name)).size).toBe(1);
  });

  it('dead-letters after MaximumRetryAttempts and does not retry a missing state machine', async () => {
    const executions = new FakeExecutions(100);
    const { bus, clock } = setup({ executions });
    bus.putRule({ Name: 'r', EventPattern: ACTIVE_ORDERS });
    bus.putTargets({ Rule: 'r', Targets: [{ Id: 'sm', Arn: SM, RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' } }] });
    await bus.putEvents([fhirEntry('active')]);
    for (let due = clock.now(); due !== undefined; due = bus.nextDueAt() as number) {
      clock.set(due);
      await bus.deliverDue();
      if (bus.nextDueAt() === undefined) break;
    }
    expect(executions.calls).toHaveLength(3);
    const [dl] = bus.listDeadLetters();
    expect(dl).toMatchObject({ rule: 'r', targetId: 'sm', attempts: 3, errorCode: 'ServiceUnavailable', deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' });
    expect(bus.getEvent(dl?.eventId ?? '')).toMatchObject({ detail: { attributes: { status: 'active' } } });

    const missing = new FakeExecutions(1, 'StateMachineDoesNotExist');
    const s2 = setup({ executions: missing });
    s2.bus.putRule({ Name: 'r', EventPattern: ACTIVE_ORDERS });
    s2.bus.putTargets({ Rule: 'r', Targets: [{ Id: 'sm', Arn: SM }] });
    await s2.bus.putEvents([fhirEntry('active')]);
    expect(await s2.bus.deliverDue()).toMatchObject({ deadLettered: 1 });
    expect(s2.bus.nextDueAt()).toBeUndefined();
  });

  it('dead-letters when the event outlives MaximumEventAgeInSeconds', async () => {
    const executions = new FakeExecutions(1000);
    const { bus, clock } = setup({ executions });
    bus.putRule({ Name: 'r', EventPattern: ACTIVE_ORDERS });
    bus.putTargets({ Rule: 'r', Targets: [{ Id: 'sm', Arn: SM, RetryPolicy: { MaximumEventAgeInSeconds: 60 } }] });
    await bus.putEvents([fhirEntry('active')]);
    const start = clock.now();
    while (bus.nextDueAt() !== undefined) {
      clock.set(bus.nextDueAt() as number);
      await bus.deliverDue();
    }
    expect(bus.listDeadLetters()).toHaveLength(1);
    expect(clock.now() - start).toBeLessThanOrEqual(60_000);
    expect(executions.calls.length).toBeGreaterThan(3);
  });
});

describe('schedules are the Scheduler’s', () => {
  it('refuses a ScheduleExpression rule, pointing at EventBridge Scheduler, and stores nothing', () => {
    const { bus } = setup();
    expect(() => bus.putRule({ Name: 'every5', ScheduleExpression: 'rate(5 minutes)' })).toThrow(/not supported by the local bus; use a schedule \(EventBridge Scheduler\)/);
    expect(() => bus.putRule({ Name: 'both', ScheduleExpression: 'rate(5 minutes)', EventPattern: ACTIVE_ORDERS })).toThrow(/ScheduleExpression/);
    expect(bus.listRules().Rules).toEqual([]);
    expect(bus.nextDueAt()).toBeUndefined();
  });
});

describe('housekeeping', () => {
  it('purges delivered and unmatched events but keeps pending and dead-lettered ones', async () => {
    const executions = new FakeExecutions(1, 'StateMachineDoesNotExist');
    const { bus, clock } = setup({ executions });
    bus.putRule({ Name: 'r', EventPattern: ACTIVE_ORDERS });
    bus.putTargets({ Rule: 'r', Targets: [{ Id: 'sm', Arn: SM }] });
    const [dead, delivered, unmatched] = (await bus.putEvents([fhirEntry('active'), fhirEntry('active', { n: 2 }), fhirEntry('stopped')])).Entries.map((e) => e.EventId ?? '');
    await bus.deliverDue();
    const [pending] = (await bus.putEvents([fhirEntry('active', { n: 5 })])).Entries.map((e) => e.EventId ?? '');
    clock.advance(1000);
    expect(bus.purgeDelivered(clock.now())).toBe(2);
    expect(bus.getEvent(delivered ?? '')).toBeUndefined();
    expect(bus.getEvent(unmatched ?? '')).toBeUndefined();
    for (const id of [dead, pending]) expect(bus.getEvent(id ?? '')).toBeDefined();
  });
});

describe('upgrading a database from a version with archives', () => {
  it('drops the archive and replay tables, so archived events no longer pin the purge', async () => {
    const db = openDatabase(':memory:');
    const first = new LocalEventBus({ db, clock: new SimulatedClock(Date.parse('2026-03-01T00:00:00Z')), ids: sequentialIds() });
    const [id] = (await first.putEvents([fhirEntry('active')])).Entries.map((e) => e.EventId ?? '');
    // What an earlier version left behind: schema version 1 with its archive tables holding the event.
    db.exec(`UPDATE schema_versions SET version = 1 WHERE module = 'bus';
      CREATE TABLE bus_archives (name TEXT PRIMARY KEY, arn TEXT NOT NULL, bus TEXT NOT NULL, event_pattern TEXT, description TEXT, retention_days INTEGER NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE bus_archive_events (archive TEXT NOT NULL, event_id TEXT NOT NULL REFERENCES bus_events(id), time_ms INTEGER NOT NULL, PRIMARY KEY (archive, event_id));
      CREATE TABLE bus_replays (name TEXT PRIMARY KEY);`);
    db.prepare('INSERT INTO bus_archive_events (archive, event_id, time_ms) VALUES (?, ?, 0)').run('a', id);
    const upgraded = new LocalEventBus({ db, clock: new SimulatedClock(Date.parse('2026-03-02T00:00:00Z')), ids: sequentialIds('u') });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'bus_%'").all() as { name: string }[]).map((t) => t.name);
    expect(tables.filter((t) => /archive|replay/.test(t))).toEqual([]);
    expect(upgraded.purgeDelivered(Date.parse('2026-03-02T00:00:00Z'))).toBe(1);
    db.close();
  });
});

describe('restart recovery', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'clinflow-bus-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers every accepted event after a reopen, with rules, targets and retry state intact', async () => {
    const file = path.join(dir, 'clinflow.db');
    const clock = new SimulatedClock(Date.UTC(2025, 2, 9));
    const first = setup({ clock, executions: new FakeExecutions(1) }, openDatabase(file));
    first.bus.putRule({ Name: 'r', EventPattern: ACTIVE_ORDERS });
    first.bus.putTargets({ Rule: 'r', Targets: [{ Id: 'sm', Arn: SM }] });
    const accepted = await first.bus.putEvents([fhirEntry('active'), fhirEntry('active', { n: 2 })]);
    await first.bus.deliverDue(); // one fails (retry pending), one is delivered
    await first.bus.putEvents([fhirEntry('active', { n: 3 })]); // accepted, never attempted before the "crash"
    first.db.close();

    const executions = new FakeExecutions();
    const second = setup({ clock, executions, ids: sequentialIds('11111111') }, openDatabase(file));
    expect(second.bus.listTargetsByRule({ Rule: 'r' }).Targets).toHaveLength(1);
    expect(second.bus.pendingDeliveries()).toBe(2);
    clock.advance(1000);
    await second.bus.deliverDue();
    expect(second.bus.pendingDeliveries()).toBe(0);
    const delivered = executions.calls.map((c) => (JSON.parse(c.input ?? '') as { id: string }).id);
    expect(delivered).toHaveLength(2);
    expect(delivered).toContain(accepted.Entries[0]?.EventId);
    second.db.close();
  });
});
