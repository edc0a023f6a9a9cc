import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CreateScheduleCommandInput, Target } from '@aws-sdk/client-scheduler';
import { openDatabase } from '../../core/db/openDatabase';
import { LocalScheduler } from './localScheduler';
import type { FireContext } from './targetInvoker';
import { createTargetInvoker } from './targetInvoker';

class SimClock {
  constructor(public t: number) {}
  now = () => this.t;
}

const ROLE = 'arn:aws:iam::000000000000:role/clinflow-scheduler';
const SFN = 'arn:aws:states:us-east-1:000000000000:stateMachine:nightly';
const utc = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function setup(start: string, invoke?: (t: Target, f: FireContext) => Promise<void>, random?: (k: string) => number) {
  const clock = new SimClock(utc(start));
  const fires: { at: string; scheduled: string; attempt: number; input: string | undefined }[] = [];
  const db = openDatabase(':memory:');
  const scheduler = new LocalScheduler({
    db,
    clock,
    invoke:
      invoke ??
      (async (t, f) => {
        fires.push({ at: iso(clock.now()), scheduled: iso(f.scheduledTime), attempt: f.attempt, input: t.Input });
      }),
    ...(random ? { random } : {}),
  });
  /** Jump the simulated clock to each due time up to `until`, firing as the real driver would. */
  async function runUntil(until: string) {
    const end = utc(until);
    for (;;) {
      const next = scheduler.nextDueAt();
      if (next === undefined || next > end) break;
      clock.t = Math.max(clock.t, next);
      await scheduler.fireDue();
    }
    clock.t = end;
  }
  return { clock, scheduler, fires, runUntil, db };
}

const base = (over: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
  Name: 'nightly',
  ScheduleExpression: 'cron(0 2 * * ? *)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: SFN, RoleArn: ROLE, Input: '{"k":1}' },
  ...over,
});

describe('LocalScheduler', () => {
  it('fires a cron in its zone across both DST changes: skipped spring-forward, once at fall-back', async () => {
    const { scheduler, fires, runUntil } = setup('2025-03-07T00:00:00Z');
    await scheduler.createSchedule(base({ Name: 'spring', ScheduleExpression: 'cron(30 2 * * ? *)', ScheduleExpressionTimezone: 'America/New_York' }));
    await runUntil('2025-03-11T12:00:00Z');
    expect(fires.map((f) => f.scheduled)).toEqual(['2025-03-07T07:30:00Z', '2025-03-08T07:30:00Z', '2025-03-10T06:30:00Z', '2025-03-11T06:30:00Z']);
    fires.length = 0;

    const fall = setup('2025-11-01T00:00:00Z');
    await fall.scheduler.createSchedule(base({ Name: 'fall', ScheduleExpression: 'cron(30 1 * * ? *)', ScheduleExpressionTimezone: 'America/New_York' }));
    await fall.runUntil('2025-11-03T12:00:00Z');
    expect(fall.fires.map((f) => f.scheduled)).toEqual(['2025-11-01T05:30:00Z', '2025-11-02T05:30:00Z', '2025-11-03T06:30:00Z']);
    expect(fall.fires.every((f) => f.at === f.scheduled)).toBe(true);
  });

  it('fires rate() from StartDate until EndDate, then deletes itself with ActionAfterCompletion DELETE', async () => {
    const { scheduler, fires, runUntil } = setup('2025-01-01T00:00:00Z');
    await scheduler.createSchedule(
      base({
        Name: 'r',
        ScheduleExpression: 'rate(10 minutes)',
        StartDate: new Date('2025-01-01T01:00:00Z'),
        EndDate: new Date('2025-01-01T01:25:00Z'),
        ActionAfterCompletion: 'DELETE',
      }),
    );
    await runUntil('2025-01-01T03:00:00Z');
    expect(fires.map((f) => f.scheduled)).toEqual(['2025-01-01T01:00:00Z', '2025-01-01T01:10:00Z', '2025-01-01T01:20:00Z']);
    await expect(scheduler.getSchedule({ Name: 'r' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('fires at() once in its zone; NONE keeps the schedule, DELETE removes it', async () => {
    const { scheduler, fires, runUntil } = setup('2025-06-01T00:00:00Z');
    await scheduler.createSchedule(base({ Name: 'keep', ScheduleExpression: 'at(2025-06-01T09:00:00)', ScheduleExpressionTimezone: 'Europe/Berlin' }));
    await scheduler.createSchedule(base({ Name: 'drop', ScheduleExpression: 'at(2025-06-01T10:00:00)', ActionAfterCompletion: 'DELETE' }));
    await runUntil('2025-06-02T00:00:00Z');
    expect(fires.map((f) => f.scheduled)).toEqual(['2025-06-01T07:00:00Z', '2025-06-01T10:00:00Z']);
    await expect(scheduler.getSchedule({ Name: 'keep' })).resolves.toMatchObject({ Name: 'keep', State: 'ENABLED' });
    await expect(scheduler.getSchedule({ Name: 'drop' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(scheduler.nextDueAt()).toBeUndefined();
  });

  it('applies a flexible window: a per-fire offset from the injected random, within MaximumWindowInMinutes', async () => {
    const seen: string[] = [];
    const { scheduler, fires, runUntil } = setup('2025-01-01T00:00:00Z', undefined, (key) => (seen.push(key), seen.length % 2 === 1 ? 0.5 : 0.25));
    await scheduler.createSchedule(base({ Name: 'flex', ScheduleExpression: 'cron(0 8 * * ? *)', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 60 } }));
    await runUntil('2025-01-02T12:00:00Z');
    expect(fires.map((f) => [f.scheduled, f.at])).toEqual([
      ['2025-01-01T08:00:00Z', '2025-01-01T08:30:00Z'],
      ['2025-01-02T08:00:00Z', '2025-01-02T08:15:00Z'],
    ]);
    // The default random is a hash of the fire: reproducible, and inside the window.
    const d = setup('2025-01-01T00:00:00Z');
    await d.scheduler.createSchedule(base({ Name: 'flex', ScheduleExpression: 'cron(0 8 * * ? *)', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 60 } }));
    const due = d.scheduler.nextDueAt()!;
    expect(due).toBeGreaterThanOrEqual(utc('2025-01-01T08:00:00Z'));
    expect(due).toBeLessThan(utc('2025-01-01T09:00:00Z'));
  });

  it('does not fire a DISABLED schedule', async () => {
    const { scheduler, fires, runUntil } = setup('2025-01-01T00:00:00Z');
    await scheduler.createSchedule(base({ Name: 'off', ScheduleExpression: 'rate(1 hour)', State: 'DISABLED' }));
    await runUntil('2025-01-01T05:00:00Z');
    expect(fires).toEqual([]);
    await scheduler.updateSchedule({ ...base({ Name: 'off', ScheduleExpression: 'rate(1 hour)' }), State: 'ENABLED' });
    await runUntil('2025-01-01T06:30:00Z');
    expect(fires.map((f) => f.scheduled)).toEqual(['2025-01-01T05:00:00Z', '2025-01-01T06:00:00Z']);
  });

  it('retries a failing target with back-off, then dead-letters it when RetryPolicy is exhausted', async () => {
    let calls = 0;
    const { scheduler, runUntil, clock } = setup('2025-01-01T00:00:00Z', async () => {
      calls += 1;
      throw new Error('target down');
    });
    await scheduler.createSchedule(
      base({
        Name: 'flaky',
        ScheduleExpression: 'at(2025-01-01T00:10:00)',
        Target: { Arn: SFN, RoleArn: ROLE, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 }, DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
      }),
    );
    await runUntil('2025-01-01T01:00:00Z');
    expect(calls).toBe(4); // first attempt + 3 retries
    const dl = scheduler.deadLetters();
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ reason: 'RetriesExhausted', attempts: 4, dead_letter_arn: 'arn:aws:sqs:us-east-1:000000000000:dlq', scheduledTime: '2025-01-01T00:10:00.000Z' });
    expect(dl[0]?.error).toContain('target down');
    expect(dl[0]?.dead_at_ms).toBe(utc('2025-01-01T00:10:07Z')); // retries after 1 s, 2 s, 4 s
    expect(scheduler.pendingDeliveries()).toBe(0);
    expect(clock.t).toBe(utc('2025-01-01T01:00:00Z'));
  });

  it('succeeds on a retry, and dead-letters a delivery older than MaximumEventAgeInSeconds', async () => {
    let calls = 0;
    const { scheduler, runUntil, clock } = setup('2025-01-01T00:00:00Z', async () => {
      calls += 1;
      if (calls === 1) throw new Error('once');
    });
    await scheduler.createSchedule(base({ Name: 'a', ScheduleExpression: 'at(2025-01-01T00:10:00)' }));
    await runUntil('2025-01-01T01:00:00Z');
    expect(calls).toBe(2);
    expect(scheduler.deadLetters()).toEqual([]);

    await scheduler.createSchedule(base({ Name: 'old', ScheduleExpression: 'at(2025-01-01T02:00:00)', Target: { Arn: SFN, RoleArn: ROLE, RetryPolicy: { MaximumEventAgeInSeconds: 60 } } }));
    clock.t = utc('2025-01-01T02:05:00Z'); // the engine was down when it was due
    await scheduler.fireDue();
    expect(calls).toBe(2);
    expect(scheduler.deadLetters()).toEqual([expect.objectContaining({ reason: 'MaximumEventAgeExceeded', attempts: 0 })]);
  });

  it('makes CreateSchedule idempotent on ClientToken, and uses AWS exception names', async () => {
    const { scheduler } = setup('2025-01-01T00:00:00Z');
    const first = await scheduler.createSchedule(base({ ClientToken: 'tok-1' }));
    await expect(scheduler.createSchedule(base({ ClientToken: 'tok-1' }))).resolves.toEqual(first);
    expect(first.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/default/nightly');
    await expect(scheduler.createSchedule(base())).rejects.toMatchObject({ name: 'ConflictException' });
    await expect(scheduler.createSchedule(base({ ClientToken: 'tok-1', Description: 'other' }))).rejects.toMatchObject({ name: 'ConflictException' });
    await expect(scheduler.createSchedule(base({ Name: 'x', ScheduleExpression: 'cron(0 2 * * * *)' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('day-of-month and day-of-week'),
    });
    await expect(scheduler.createSchedule(base({ Name: 'x', ScheduleExpressionTimezone: 'Nowhere/Land' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Nowhere/Land'),
    });
    await expect(scheduler.createSchedule(base({ Name: 'bad name!' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(scheduler.createSchedule(base({ Name: 'x', GroupName: 'missing' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(scheduler.deleteSchedule({ Name: 'nope' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(scheduler.deleteSchedule({ Name: 'nightly', ClientToken: 'd1' })).resolves.toBeUndefined();
    await expect(scheduler.deleteSchedule({ Name: 'nightly', ClientToken: 'd1' })).resolves.toBeUndefined();
  });

  it('keeps schedules in groups, lists them by prefix with paging, and deletes a group with its schedules', async () => {
    const { scheduler } = setup('2025-01-01T00:00:00Z');
    await scheduler.createScheduleGroup({ Name: 'reminders' });
    await expect(scheduler.createScheduleGroup({ Name: 'reminders' })).rejects.toMatchObject({ name: 'ConflictException' });
    for (const n of ['a-1', 'a-2', 'a-3', 'b-1']) await scheduler.createSchedule(base({ Name: n, GroupName: 'reminders', ScheduleExpression: 'rate(1 day)' }));
    await scheduler.createSchedule(base({ Name: 'a-9' }));
    const p1 = await scheduler.listSchedules({ GroupName: 'reminders', NamePrefix: 'a-', MaxResults: 2 });
    expect(p1.Schedules?.map((s) => s.Name)).toEqual(['a-1', 'a-2']);
    const p2 = await scheduler.listSchedules({ GroupName: 'reminders', NamePrefix: 'a-', MaxResults: 2, NextToken: p1.NextToken! });
    expect(p2.Schedules?.map((s) => s.Name)).toEqual(['a-3']);
    expect(p2.NextToken).toBeUndefined();
    await scheduler.deleteScheduleGroup({ Name: 'reminders' });
    expect((await scheduler.listSchedules({})).Schedules?.map((s) => s.Name)).toEqual(['a-9']);
    await expect(scheduler.deleteScheduleGroup({ Name: 'default' })).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('loses no schedule and no pending retry across a restart (reopened database)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'clinflow-sched-'));
    try {
      const file = path.join(dir, 'db.sqlite');
      const clock = new SimClock(utc('2025-01-01T00:00:00Z'));
      const db1 = openDatabase(file);
      const s1 = new LocalScheduler({
        db: db1,
        clock,
        invoke: async () => {
          throw new Error('down');
        },
      });
      await s1.createSchedule(base({ Name: 'daily', ScheduleExpression: 'cron(0 8 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin' }));
      await s1.createSchedule(base({ Name: 'once', ScheduleExpression: 'at(2025-01-01T00:30:00)' }));
      clock.t = utc('2025-01-01T00:30:00Z');
      await s1.fireDue(); // 'once' fails and waits for a retry
      db1.close();

      const delivered: string[] = [];
      const s2 = new LocalScheduler({
        db: openDatabase(file),
        clock,
        invoke: async (_t, f) => {
          delivered.push(`${f.scheduleArn.split('/').pop()}@${iso(f.scheduledTime)}#${f.attempt}`);
        },
      });
      expect(s2.pendingDeliveries()).toBe(1);
      expect(s2.nextFireOf('daily')).toBe(utc('2025-01-01T07:00:00Z'));
      clock.t = utc('2025-01-01T07:00:00Z');
      await s2.fireDue();
      expect(delivered).toEqual(['once@2025-01-01T00:30:00Z#2', 'daily@2025-01-01T07:00:00Z#1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a large number of pending schedules in SQLite and finds the next due one by index', async () => {
    const { scheduler, db } = setup('2025-01-01T00:00:00Z');
    const insert = db.transaction(() => {
      for (let i = 0; i < 10_000; i++) void scheduler.createSchedule(base({ Name: `s${i}`, ScheduleExpression: `at(2025-02-01T00:${String(i % 60).padStart(2, '0')}:00)` }));
    });
    insert();
    expect(scheduler.nextDueAt()).toBe(utc('2025-02-01T00:00:00Z'));
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT MIN(next_due_ms) FROM scheduler_schedules WHERE state = 'ENABLED' AND next_due_ms IS NOT NULL").all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('scheduler_schedules_due');
  });
});

describe('createTargetInvoker', () => {
  it('starts a state machine with the rendered Input, or puts an event on a bus', async () => {
    const started: unknown[] = [];
    const put: unknown[] = [];
    const invoke = createTargetInvoker({
      executions: {
        startExecution: async (i) => (started.push(i), { executionArn: 'x', startDate: new Date(0) }),
        sendTaskSuccess: async () => undefined,
        sendTaskFailure: async () => undefined,
        sendTaskHeartbeat: async () => undefined,
      },
      bus: { putEvents: async (e) => (put.push(...e), { FailedEntryCount: 0, Entries: [{ EventId: '1' }] }) },
    });
    const fire = { scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/s', scheduledTime: utc('2025-01-01T08:00:00Z'), attempt: 2, executionId: 'abc' };
    await invoke({ Arn: SFN, RoleArn: ROLE, Input: '{"t":"<aws.scheduler.scheduled-time>","n":<aws.scheduler.attempt-number>}' }, fire);
    expect(started).toEqual([{ stateMachineArn: SFN, name: 'abc', input: '{"t":"2025-01-01T08:00:00Z","n":2}' }]);
    await invoke(
      { Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default', RoleArn: ROLE, Input: '{}', EventBridgeParameters: { Source: 'clinflow.reminders', DetailType: 'Reminder Due' } },
      fire,
    );
    expect(put).toEqual([expect.objectContaining({ Source: 'clinflow.reminders', DetailType: 'Reminder Due', Detail: '{}', EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/default' })]);
    await expect(invoke({ Arn: 'arn:aws:sqs:us-east-1:000000000000:q', RoleArn: ROLE }, fire)).rejects.toThrow('unsupported target');
    const dup = createTargetInvoker({
      executions: {
        startExecution: async () => {
          throw Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' });
        },
        sendTaskSuccess: async () => undefined,
        sendTaskFailure: async () => undefined,
        sendTaskHeartbeat: async () => undefined,
      },
    });
    await expect(dup({ Arn: SFN, RoleArn: ROLE }, fire)).resolves.toBeUndefined();
  });
});

describe('LocalScheduler concurrency', () => {
  it('delivers a fire once when two fireDue() calls overlap', async () => {
    const calls: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { scheduler, clock } = setup('2025-01-01T00:00:00Z', async (_t, f) => {
      calls.push(f.attempt);
      await gate;
    });
    await scheduler.createSchedule(base({ Name: 'once', ScheduleExpression: 'at(2025-01-01T00:01:00)' }));
    clock.t = utc('2025-01-01T00:01:00Z');
    const a = scheduler.fireDue();
    const b = scheduler.fireDue();
    release();
    await Promise.all([a, b]);
    expect(calls).toEqual([1]);
    expect(scheduler.pendingDeliveries()).toBe(0);
  });
});

describe('createLocalScheduler', () => {
  it('delivers an event-bus target through BusPort with the schedule as the resource', async () => {
    const { createLocalScheduler } = await import('./index');
    const put: unknown[] = [];
    const clock = new SimClock(utc('2025-01-01T00:00:00Z'));
    const s = createLocalScheduler({ db: openDatabase(':memory:'), clock, bus: { putEvents: async (e) => (put.push(...e), { FailedEntryCount: 0, Entries: [{}] }) } });
    await s.createSchedule(
      base({
        Name: 'ev',
        ScheduleExpression: 'at(2025-01-01T00:05:00)',
        Target: { Arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default', RoleArn: ROLE, Input: '{"a":1}', EventBridgeParameters: { Source: 's', DetailType: 'd' } },
      }),
    );
    clock.t = utc('2025-01-01T00:05:00Z');
    expect(await s.fireDue()).toMatchObject({ fired: 1, delivered: 1 });
    expect(put).toEqual([expect.objectContaining({ Detail: '{"a":1}', Resources: ['arn:aws:scheduler:us-east-1:000000000000:schedule/default/ev'], Time: new Date('2025-01-01T00:05:00Z') })]);
  });
});
