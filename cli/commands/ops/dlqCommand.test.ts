/**
 * `clinflow dlq list|redrive` on a local data directory: real dead letters of the real bus and
 * scheduler (their target state machine did not exist), the cause fixed, then redriven one at a
 * time, delivered again by the bus and scheduler as the running server would, and audited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../api/audit/auditLog';
import { LocalEventBus } from '../../../engine/bus/localEventBus';
import { sequentialIds } from '../../../core/clock/ids';
import { SimulatedClock } from '../../../core/clock/simulatedClock';
import { openDatabase, type Db } from '../../../core/db/openDatabase';
import { Engine } from '../../../engine/durable/engine';
import { LocalScheduler } from '../../../engine/scheduler/localScheduler';
import { fireExecutionId } from '../../../engine/scheduler/schedulerDeliveries';
import { createTargetInvoker } from '../../../engine/scheduler/targetInvoker';
import { jsonOut, runCli } from './runCli.testkit';

const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-intake';
const KEYS = { CLINFLOW_ACCESS_KEY_ID: 'AKIADLQTEST000000001', CLINFLOW_SECRET_ACCESS_KEY: 'dlq-secret-for-tests-only-00000000000000' };

describe('clinflow dlq list|redrive (local)', () => {
  let dir: string;
  let db: Db;
  let engine: Engine;
  let bus: LocalEventBus;
  let scheduler: LocalScheduler;
  const clock = new SimulatedClock(Date.UTC(2030, 0, 1, 9, 0, 0));
  const saved = { ...process.env };

  function cli(...args: string[]): ReturnType<typeof runCli> {
    return runCli([...args, '--data-dir', dir]);
  }
  const executions = () =>
    engine
      .listExecutions({ stateMachineArn: SM })
      .executions.map((e) => e.name)
      .sort();

  beforeAll(async () => {
    Object.assign(process.env, KEYS);
    dir = mkdtempSync(join(tmpdir(), 'clinflow-dlq-'));
    db = openDatabase(join(dir, 'clinflow.db'));
    engine = new Engine({ database: db, clock, ids: sequentialIds() });
    bus = new LocalEventBus({ db, clock, ids: sequentialIds(), executions: engine });
    scheduler = new LocalScheduler({ db, clock, invoke: createTargetInvoker({ executions: engine, bus }) });
    bus.putRule({ Name: 'intake', EventPattern: JSON.stringify({ source: ['lab.system'] }), State: 'ENABLED' });
    bus.putTargets({ Rule: 'intake', Targets: [{ Id: 'wf', Arn: SM }] });
    await bus.putEvents([{ Source: 'lab.system', DetailType: 'Result', Detail: '{"reference":"Observation/o1"}' }]);
    await bus.putEvents([{ Source: 'lab.system', DetailType: 'Result', Detail: '{"reference":"Observation/o2"}' }]);
    await bus.deliverDue();
    // No retries and a one-minute maximum age: by the time anyone redrives it, it is far older.
    await scheduler.createSchedule({
      Name: 'nightly',
      ScheduleExpression: `at(${new Date(clock.now() + 1000).toISOString().slice(0, 19)})`,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: SM, RoleArn: 'arn:aws:iam::000000000000:role/s', Input: '{"job":"nightly"}', RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } },
    });
    clock.advance(2000);
    await scheduler.fireDue();
  });

  afterAll(async () => {
    await engine.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.env = saved;
  });

  it('lists the dead letters of both, without payloads', async () => {
    const r = await cli('dlq', 'list', '--json');
    expect(r.code).toBe(0);
    const rows = jsonOut<{ ref: string; from: string; target: string; error: string }[]>(r.out);
    expect(rows.map((x) => [x.ref, x.from, x.target, x.error])).toEqual([
      ['bus:1', 'rule/intake', SM, 'StateMachineDoesNotExist'],
      ['bus:2', 'rule/intake', SM, 'StateMachineDoesNotExist'],
      ['scheduler:1', 'schedule/default/nightly', SM, 'RetriesExhausted'],
    ]);
    expect(r.out).not.toContain('Observation/o1');
  });

  it('--dry-run changes nothing and is not an audited change', async () => {
    const r = await cli('dlq', 'redrive', '--all', '--dry-run', '--json');
    expect(jsonOut<{ ref: string; outcome: string }[]>(r.out).map((x) => x.outcome)).toEqual(['would redrive', 'would redrive', 'would redrive']);
    expect(jsonOut<unknown[]>((await cli('dlq', 'list', '--json')).out)).toHaveLength(3);
    expect(new AuditLog(db).list().filter((a) => a.action === 'RedriveDeadLetter')).toEqual([]);
  });

  it('refuses a malformed or unknown dead letter, and a call with neither one nor --all', async () => {
    expect((await cli('dlq', 'redrive', 'bus:99')).err).toContain('no dead letter bus:99');
    expect((await cli('dlq', 'redrive', 'queue:1')).code).toBe(2);
    expect((await cli('dlq', 'redrive')).err).toContain('or --all');
  });

  it('after the cause is fixed, redrives one bus dead letter, then the rest with --all; each is delivered again and audited', async () => {
    engine.createStateMachine({ name: 'clinflow-intake', definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }) });
    const one = await cli('dlq', 'redrive', 'bus:2');
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/bus:2\s+rule\/intake\s+\S+\s+StateMachineDoesNotExist\s+redriven/);
    await bus.deliverDue();
    await engine.runUntilIdle();
    expect(executions()).toHaveLength(1);
    expect(engine.describeExecution({ executionArn: `${SM.replace(':stateMachine:', ':execution:')}:${executions()[0]}` }).input).toContain('Observation/o2');

    // Two hours later: past the schedule's one-minute maximum event age, aged from the redrive instead.
    clock.advance(2 * 3_600_000);
    const rest = await cli('dlq', 'redrive', '--all', '--json');
    expect(jsonOut<{ ref: string; outcome: string }[]>(rest.out).map((x) => [x.ref, x.outcome])).toEqual([
      ['bus:1', 'redriven'],
      ['scheduler:1', 'redriven'],
    ]);
    await bus.deliverDue();
    await scheduler.fireDue();
    await engine.runUntilIdle();
    const nominal = clock.now() - 2 * 3_600_000 - 1000;
    const names = executions();
    expect(names).toHaveLength(3);
    // The schedule's occurrence starts under its own execution id, as its first attempt would have.
    expect(names).toContain(fireExecutionId('arn:aws:scheduler:us-east-1:000000000000:schedule/default/nightly', nominal));
    expect(jsonOut<unknown[]>((await cli('dlq', 'list', '--json')).out)).toEqual([]);
    expect(
      new AuditLog(db)
        .list()
        .filter((a) => a.action === 'RedriveDeadLetter')
        .map((a) => [a.resource, a.outcome, a.accessKey, a.kind]),
    ).toEqual([
      ['dlq/scheduler:1', 'ok', KEYS.CLINFLOW_ACCESS_KEY_ID, 'change'],
      ['dlq/bus:1', 'ok', KEYS.CLINFLOW_ACCESS_KEY_ID, 'change'],
      ['dlq/bus:2', 'ok', KEYS.CLINFLOW_ACCESS_KEY_ID, 'change'],
    ]);
    expect(new AuditLog(db).verify().ok).toBe(true);
  });
});
