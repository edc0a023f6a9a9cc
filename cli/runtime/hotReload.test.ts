/**
 * Hot reload never re-fires a schedule: a reload keeps every schedule's next fire time, and an
 * unchanged or failed edit changes nothing (before, a rate() schedule fired again on every save).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { createRuntime, type Runtime } from './createRuntime';
import { WORKFLOW_SCHEDULE_GROUP } from './loadWorkflowsIntoRuntime';

const SHIPPED = join(__dirname, '..', '..', 'workflows');
const START = Date.UTC(2026, 4, 4, 9, 30, 0);
const HOUR = 3_600_000;

let dir: string;
let wfDir: string;
let runtime: Runtime;
let clock: SimulatedClock;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-reload-'));
  wfDir = join(dir, 'workflows');
  mkdirSync(wfDir);
  for (const f of ['replenish-reminders.yaml', 'nightly-overdue-tasks.yaml']) copyFileSync(join(SHIPPED, f), join(wfDir, f));
  clock = new SimulatedClock(START);
  runtime = await createRuntime({ dataDir: join(dir, 'data'), workflowsDir: wfDir, clock, sandbox: { seed: false } });
  await runtime.settle();
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
});

const SCHEDULES = ['clinflow-replenish-reminders', 'clinflow-nightly-overdue-tasks'];
const nextFires = () => SCHEDULES.map((n) => runtime.scheduler.nextFireOf(n, WORKFLOW_SCHEDULE_GROUP));
function executions(workflow: string): number {
  const d = runtime.deployments.find((x) => x.workflow === workflow)!;
  return runtime.engine.listExecutions({ stateMachineArn: d.stateMachineArn, maxResults: 1000 }).executions.length;
}

describe('hot reload', () => {
  it('an unchanged reload keeps every next fire time and starts nothing', async () => {
    await runtime.advanceTo(START + 2 * HOUR);
    const before = nextFires();
    expect(before.every((t) => typeof t === 'number' && t > clock.now())).toBe(true);
    const ran = executions('replenish-reminders');
    for (let i = 0; i < 3; i++) {
      const r = await runtime.reload();
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(r.deployments.every((d) => !d.changed)).toBe(true);
    }
    await runtime.settle();
    expect(nextFires()).toEqual(before);
    expect(executions('replenish-reminders')).toBe(ran);
  });

  it('a failed edit changes nothing: the previous version keeps running on its schedule', async () => {
    const before = nextFires();
    const ran = executions('replenish-reminders');
    const file = join(wfDir, 'replenish-reminders.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('    call: reminders.replenish', '    call: reminders.replensh'));
    const r = await runtime.reload();
    expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    await runtime.settle();
    expect(nextFires()).toEqual(before);
    expect(executions('replenish-reminders')).toBe(ran);
    expect(runtime.deployments.map((d) => d.workflow).sort()).toEqual(['nightly-overdue-tasks', 'replenish-reminders']);
    writeFileSync(file, good);
    await runtime.reload();
    expect(nextFires()).toEqual(before);
  });

  it('an edit of the steps updates the workflow and keeps its next fire time; the schedule still fires when due', async () => {
    const before = nextFires();
    const ran = executions('replenish-reminders');
    const file = join(wfDir, 'replenish-reminders.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('      horizonHours: 72', '      horizonHours: 96'));
    const r = await runtime.reload();
    expect(r.deployments.find((d) => d.workflow === 'replenish-reminders')).toMatchObject({ changed: true });
    await runtime.settle();
    expect(nextFires()).toEqual(before);
    expect(executions('replenish-reminders')).toBe(ran);
    await runtime.advanceTo(before[0]! + 60_000);
    expect(executions('replenish-reminders')).toBe(ran + 1);
  });

  it('an edit of the schedule itself reschedules it', async () => {
    const file = join(wfDir, 'nightly-overdue-tasks.yaml');
    const before = runtime.scheduler.nextFireOf('clinflow-nightly-overdue-tasks', WORKFLOW_SCHEDULE_GROUP);
    writeFileSync(file, readFileSync(file, 'utf8').replace('cron: 0 2 * * ? *', 'cron: 0 3 * * ? *'));
    await runtime.reload();
    expect(runtime.scheduler.nextFireOf('clinflow-nightly-overdue-tasks', WORKFLOW_SCHEDULE_GROUP)).toBe(before! + HOUR);
  });
});
