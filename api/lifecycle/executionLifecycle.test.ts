/**
 * The execution lifecycle as an operator sees it: one PHI-free log line per start and per end, and
 * `/metrics` scraped over HTTP after driving real executions on the engine (simulated clock), with
 * every number asserted: executions by outcome per workflow, running and waiting counts, the task
 * latency histogram, reminders pending and fired late, dead letters of the bus and the scheduler.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import { Engine } from '../../engine/durable/engine';
import { LocalScheduler } from '../../engine/scheduler/localScheduler';
import { createTargetInvoker } from '../../engine/scheduler/targetInvoker';
import type { TaskInvocation, TaskOutcome } from '../../schemas/taskPort';
import type { Logger } from '../../schemas/ports';
import { attachApi, type AttachedApi } from '../attachApi';

const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:';
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:';
const PHI = 'Synthetic-Zed Testperson';
const task = (fn: string, extra: object = {}) => JSON.stringify({ StartAt: 'T', States: { T: { Type: 'Task', Resource: `${FN}${fn}`, End: true, ...extra } } });

describe('execution lifecycle: log lines and /metrics', () => {
  let dir: string;
  let db: Db;
  let engine: Engine;
  let bus: LocalEventBus;
  let scheduler: LocalScheduler;
  let server: Server;
  let attached: AttachedApi;
  const clock = new SimulatedClock(Date.UTC(2030, 0, 1, 9, 0, 0));
  const lines: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const log: Logger = {
    debug: () => undefined,
    info: (obj, msg) => void lines.push({ level: 'info', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
    error: (obj, msg) => void lines.push({ level: 'error', obj: obj as Record<string, unknown>, ...(msg ? { msg } : {}) }),
  };
  /** `fast` answers in 20 ms, `slow` in 1.5 s (on the simulated clock), `bad` fails; callback tasks park. */
  const tasks = {
    invoke: (i: TaskInvocation): Promise<TaskOutcome> => {
      if (i.taskToken !== undefined) return Promise.resolve({ ok: true, output: null });
      if (i.resource.endsWith(':bad')) return Promise.resolve({ ok: false, error: 'Test.Failed', cause: PHI });
      clock.advance(i.resource.endsWith(':slow') ? 1500 : 20);
      return Promise.resolve({ ok: true, output: { ok: true } });
    },
  };
  const metrics = async (): Promise<Map<string, number>> => {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const out = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const i = line.lastIndexOf(' ');
      out.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
    return out;
  };
  const start = (sm: string, name: string, input: object = { patient: PHI }) => engine.startExecution({ stateMachineArn: `${SM}${sm}`, name, input: JSON.stringify(input) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-lifecycle-'));
    db = openDatabase(join(dir, 'clinflow.db'));
    engine = new Engine({ database: db, clock, ids: sequentialIds(), tasks, log });
    bus = new LocalEventBus({ db, clock, ids: sequentialIds(), executions: engine });
    scheduler = new LocalScheduler({ db, clock, invoke: createTargetInvoker({ executions: engine, bus }) });
    server = createServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    attached = attachApi(server, {
      engine,
      bus,
      scheduler,
      dataDir: dir,
      log,
      renderMetrics: () => '',
      env: { CLINFLOW_ACCESS_KEY_ID: 'AKIALIFECYCLETEST001', CLINFLOW_SECRET_ACCESS_KEY: 'lifecycle-secret-for-tests-only-0000000' },
    });

    engine.createStateMachine({
      name: 'clinflow-intake',
      definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', Resource: `${FN}fast`, Next: 'B' }, B: { Type: 'Task', Resource: `${FN}slow`, End: true } } }),
    });
    engine.createStateMachine({ name: 'clinflow-broken', definition: task('bad') });
    engine.createStateMachine({ name: 'clinflow-slowpoke', definition: JSON.stringify({ TimeoutSeconds: 5, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } }) });
    engine.createStateMachine({ name: 'clinflow-hold', definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 86_400, End: true } } }) });
    engine.createStateMachine({
      name: 'clinflow-review',
      definition: JSON.stringify({
        StartAt: 'R',
        States: { R: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } }, End: true } },
      }),
    });
    engine.createStateMachine({ name: 'clinflow-reminder-delivery', definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }) });

    // One at a time: the task port moves the one shared clock, so overlapping runs would share time.
    await start('clinflow-intake', 'i-1');
    await engine.runUntilIdle();
    await start('clinflow-intake', 'i-2');
    await engine.runUntilIdle();
    await start('clinflow-broken', 'b-1');
    await start('clinflow-slowpoke', 's-1');
    await start('clinflow-hold', 'h-1');
    await start('clinflow-hold', 'h-2');
    await start('clinflow-review', 'r-1');
    const now = clock.now();
    // Slots 5 minutes and 10 seconds ago: one fired late, one on time.
    await start('clinflow-reminder-delivery', 'd-late', { order: 'MedicationRequest/m1', slot: 'd0-0800', at: new Date(now - 300_000).toISOString() });
    await start('clinflow-reminder-delivery', 'd-ok', { order: 'MedicationRequest/m1', slot: 'd0-0900', at: new Date(now - 10_000).toISOString() });
    await engine.runUntilIdle();
    await engine.stopExecution({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:clinflow-hold:h-2', error: 'Ops.Cancelled' });
    await engine.advanceTo(clock.now() + 10_000);

    // Two pending reminder schedules (a day ahead) and one workflow schedule, which is not a reminder.
    await scheduler.createScheduleGroup({ Name: 'clinflow-reminders' });
    await scheduler.createScheduleGroup({ Name: 'clinflow-workflows' });
    const target = { Arn: `${SM}clinflow-reminder-delivery`, RoleArn: 'arn:aws:iam::000000000000:role/s', Input: '{}' };
    const at = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`;
    for (const [name, group] of [
      ['r1', 'clinflow-reminders'],
      ['r2', 'clinflow-reminders'],
      ['nightly', 'clinflow-workflows'],
    ] as const) {
      await scheduler.createSchedule({ Name: name, GroupName: group, ScheduleExpression: at(clock.now() + 86_400_000), FlexibleTimeWindow: { Mode: 'OFF' }, Target: target });
    }
    // Dead letters: a rule and a schedule whose target state machine does not exist (AWS does not retry that).
    bus.putRule({ Name: 'to-nowhere', EventPattern: JSON.stringify({ source: ['lab.system'] }), State: 'ENABLED' });
    bus.putTargets({ Rule: 'to-nowhere', Targets: [{ Id: 'gone', Arn: `${SM}clinflow-missing` }] });
    await bus.putEvents([{ Source: 'lab.system', DetailType: 'Result', Detail: '{}' }]);
    await bus.deliverDue();
    await scheduler.createSchedule({
      Name: 'doomed',
      ScheduleExpression: at(clock.now() + 1000),
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { ...target, Arn: `${SM}clinflow-missing`, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
    clock.advance(2000);
    await scheduler.fireDue();
  }, 60_000);

  afterAll(async () => {
    attached.detach();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await engine.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs one line per start and one per end, with workflow, version, name, status, duration and error name, and no PHI', () => {
    const started = lines.filter((l) => l.obj.event === 'execution.started');
    const ended = lines.filter((l) => l.obj.event === 'execution.ended');
    expect(started.map((l) => l.obj.execution).sort()).toEqual(['b-1', 'd-late', 'd-ok', 'h-1', 'h-2', 'i-1', 'i-2', 'r-1', 's-1']);
    expect(ended.map((l) => [l.obj.execution, l.obj.status]).sort()).toEqual([
      ['b-1', 'FAILED'],
      ['d-late', 'SUCCEEDED'],
      ['d-ok', 'SUCCEEDED'],
      ['h-2', 'ABORTED'],
      ['i-1', 'SUCCEEDED'],
      ['i-2', 'SUCCEEDED'],
      ['s-1', 'TIMED_OUT'],
    ]);
    for (const l of started) expect(Object.keys(l.obj).sort()).toEqual(['event', 'execution', 'workflow']);
    const i1 = ended.find((l) => l.obj.execution === 'i-1');
    // 20 ms + 1.5 s of task time on the simulated clock.
    expect(i1).toEqual({ level: 'info', msg: 'execution ended', obj: { event: 'execution.ended', workflow: 'clinflow-intake', execution: 'i-1', status: 'SUCCEEDED', durationMs: 1520 } });
    expect(ended.find((l) => l.obj.execution === 'b-1')).toEqual({
      level: 'warn',
      msg: 'execution ended',
      obj: { event: 'execution.ended', workflow: 'clinflow-broken', execution: 'b-1', status: 'FAILED', durationMs: 0, error: 'Test.Failed' },
    });
    expect(ended.find((l) => l.obj.execution === 's-1')?.obj).toMatchObject({ status: 'TIMED_OUT', durationMs: 5000 });
    expect(ended.find((l) => l.obj.execution === 'h-2')?.obj).toMatchObject({ status: 'ABORTED', error: 'Ops.Cancelled' });
    // Inputs and causes carry the synthetic name; no log line does.
    expect(JSON.stringify(lines)).not.toContain('Synthetic-Zed');
  });

  it('/metrics counts executions by outcome per workflow, running and waiting', async () => {
    const m = await metrics();
    expect(m.get('clinflow_executions_started_total{workflow="clinflow-intake"}')).toBe(2);
    expect(m.get('clinflow_executions_succeeded_total{workflow="clinflow-intake"}')).toBe(2);
    expect(m.get('clinflow_executions_failed_total{workflow="clinflow-broken"}')).toBe(1);
    expect(m.get('clinflow_executions_timed_out_total{workflow="clinflow-slowpoke"}')).toBe(1);
    expect(m.get('clinflow_executions_aborted_total{workflow="clinflow-hold"}')).toBe(1);
    expect(m.get('clinflow_executions_started_total{workflow="clinflow-hold"}')).toBe(2);
    expect(m.get('clinflow_execution_duration_seconds_sum{workflow="clinflow-intake"}')).toBeCloseTo(3.04, 6);
    expect(m.get('clinflow_execution_duration_seconds_count{workflow="clinflow-intake"}')).toBe(2);
    expect(m.get('clinflow_executions_running{workflow="clinflow-hold"}')).toBe(1);
    expect(m.get('clinflow_executions_running{workflow="clinflow-review"}')).toBe(1);
    expect(m.get('clinflow_executions_waiting{workflow="clinflow-review"}')).toBe(1);
    expect(m.has('clinflow_executions_waiting{workflow="clinflow-hold"}')).toBe(false);
  });

  it('/metrics has a task latency histogram per workflow and task, and task failures by error name', async () => {
    const m = await metrics();
    const fast = 'workflow="clinflow-intake",task="fast"';
    const slow = 'workflow="clinflow-intake",task="slow"';
    expect(m.get(`clinflow_task_duration_seconds_count{${fast}}`)).toBe(2);
    expect(m.get(`clinflow_task_duration_seconds_sum{${fast}}`)).toBeCloseTo(0.04, 6);
    expect(m.get(`clinflow_task_duration_seconds_bucket{${fast},le="0.01"}`)).toBe(0);
    expect(m.get(`clinflow_task_duration_seconds_bucket{${fast},le="0.025"}`)).toBe(2);
    expect(m.get(`clinflow_task_duration_seconds_bucket{${slow},le="1"}`)).toBe(0);
    expect(m.get(`clinflow_task_duration_seconds_bucket{${slow},le="2.5"}`)).toBe(2);
    expect(m.get(`clinflow_task_duration_seconds_bucket{${slow},le="+Inf"}`)).toBe(2);
    expect(m.get('clinflow_task_failures_total{workflow="clinflow-broken",task="bad",error="Test.Failed"}')).toBe(1);
  });

  it('/metrics has reminders pending and fired late, and dead letters by source', async () => {
    const m = await metrics();
    expect(m.get('clinflow_reminders_pending')).toBe(2);
    expect(m.get('clinflow_reminders_fired_total')).toBe(2);
    expect(m.get('clinflow_reminders_fired_late_total')).toBe(1);
    expect(m.get('clinflow_dead_letters{source="bus"}')).toBe(1);
    expect(m.get('clinflow_dead_letters{source="scheduler"}')).toBe(1);
  });
});
