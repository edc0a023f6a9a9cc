import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { systemClock, systemWakeup } from '../../core/clock/systemClock';
import { LocalTaskPort } from '../../tasks/localTaskPort';
import { Engine } from './engine';
import { LAMBDA, machine } from './engineFixture.testkit';

const KEY = 'a'.repeat(64);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-journal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(clock: SimulatedClock, tasks: LocalTaskPort, extra: { encryptionKey?: string } = {}): Engine {
  return new Engine({ database: join(dir, 'clinflow.db'), clock, tasks, ids: sequentialIds(`${clock.now()}`.slice(-8)), random: () => 0.5, ...extra });
}

describe('restart recovery', () => {
  it('resumes a parked Wait and re-delivers an interrupted task with the same idempotency key', async () => {
    const clock = new SimulatedClock();
    const seen: string[] = [];
    const tasksA = new LocalTaskPort({ clock });
    // The first process dies while its tasks are running: their promises settle only after the "crash".
    const release: Array<() => void> = [];
    tasksA.registerFunction('work', (_p, ctx) => {
      seen.push(`A:${ctx.idempotencyKey}`);
      return new Promise((resolve) => release.push(() => resolve({ stale: true })));
    });
    let engine = open(clock, tasksA);
    const { stateMachineArn } = engine.createStateMachine({
      name: 'resume',
      definition: machine({ W: { Type: 'Wait', Seconds: 3600, Next: 'T' }, T: { Type: 'Task', Resource: LAMBDA('work'), End: true } }),
    });
    const parked = await engine.startExecution({ stateMachineArn, name: 'parked', input: '{"n":1}' });
    const inTask = await engine.startExecution({ stateMachineArn, name: 'in-task', input: '{"n":2}' });
    const advancing = engine.advanceTo(clock.now() + 3600_000).catch(() => undefined);
    while (seen.length < 2) await new Promise((r) => setImmediate(r));
    engine.abandon();
    release.forEach((r) => r());
    await advancing;

    const tasksB = new LocalTaskPort({ clock });
    tasksB.registerFunction('work', (p, ctx) => {
      seen.push(`B:${ctx.idempotencyKey}`);
      return Promise.resolve({ doubled: (p as { n: number }).n * 2 });
    });
    engine = open(clock, tasksB);
    expect(engine.describeExecution(parked).status).toBe('RUNNING');
    const r = await engine.recover();
    expect(r).toMatchObject({ running: 2, redelivered: 2 });
    await engine.runUntilIdle();
    expect(engine.describeExecution(parked)).toMatchObject({ status: 'SUCCEEDED', output: '{"doubled":2}' });
    expect(engine.describeExecution(inTask)).toMatchObject({ status: 'SUCCEEDED', output: '{"doubled":4}' });
    const keysA = seen
      .filter((s) => s.startsWith('A:'))
      .map((s) => s.slice(2))
      .sort();
    const keysB = seen
      .filter((s) => s.startsWith('B:'))
      .map((s) => s.slice(2))
      .sort();
    expect(keysB).toEqual(keysA);
    const events = engine.getExecutionHistory({ executionArn: parked.executionArn, maxResults: 1000 }).events;
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1);
    await engine.close();
  });

  it('resumes a Wait after close and reopen, firing at the original time', async () => {
    const clock = new SimulatedClock();
    const tasks = new LocalTaskPort({ clock });
    let engine = open(clock, tasks);
    const { stateMachineArn } = engine.createStateMachine({
      name: 'sleepy',
      definition: machine({ W: { Type: 'Wait', Seconds: 7 * 86400, Next: 'P' }, P: { Type: 'Pass', Result: 'woke', End: true } }),
    });
    const t0 = clock.now();
    const e = await engine.startExecution({ stateMachineArn, name: 'x' });
    await engine.close();
    engine = open(clock, tasks);
    const r = await engine.recover();
    expect(r.nextTimerAt).toBe(t0 + 7 * 86_400_000);
    await engine.runToCompletion();
    expect(engine.describeExecution(e)).toMatchObject({ status: 'SUCCEEDED', output: '"woke"' });
    expect((engine.describeExecution(e).stopDate as Date).getTime()).toBe(t0 + 7 * 86_400_000);
    await engine.close();
  });
});

describe('encryption at rest', () => {
  it('stores payloads as AES-256-GCM ciphertext and reads them back transparently', async () => {
    const clock = new SimulatedClock();
    const tasks = new LocalTaskPort({ clock });
    const engine = open(clock, tasks, { encryptionKey: KEY });
    const { stateMachineArn } = engine.createStateMachine({ name: 'secret', definition: machine({ W: { Type: 'Wait', Seconds: 60, Next: 'P' }, P: { Type: 'Pass', End: true } }) });
    const marker = 'PLAINTEXT-MARKER-7f3a9';
    const e = await engine.startExecution({ stateMachineArn, name: 'e', input: JSON.stringify({ patient: marker }) });
    await engine.close();
    const bytes = Buffer.concat([readFileSync(join(dir, 'clinflow.db')), readFileSync(join(dir, 'clinflow.db-wal'), { flag: 'a+' })]);
    expect(bytes.includes(Buffer.from(marker))).toBe(false);

    const again = open(clock, tasks, { encryptionKey: KEY });
    await again.recover();
    await again.runToCompletion();
    expect(again.describeExecution(e)).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ patient: marker }) });
    expect(JSON.stringify(again.getExecutionHistory(e).events)).toContain(marker);
    await again.close();

    // Without the key the journal refuses to decrypt rather than returning garbage.
    const noKey = open(clock, tasks);
    expect(() => noKey.describeExecution(e)).toThrow(/encryption key/);
    await noKey.close();
  });

  it('writes plaintext JSON when no key is configured (the control for the test above)', async () => {
    const clock = new SimulatedClock();
    const engine = open(clock, new LocalTaskPort({ clock }));
    const { stateMachineArn } = engine.createStateMachine({ name: 'plain', definition: machine({ P: { Type: 'Pass', End: true } }) });
    const marker = 'PLAINTEXT-MARKER-control';
    await engine.startExecution({ stateMachineArn, input: JSON.stringify({ m: marker }) });
    await engine.close();
    const bytes = Buffer.concat([readFileSync(join(dir, 'clinflow.db')), readFileSync(join(dir, 'clinflow.db-wal'), { flag: 'a+' })]);
    expect(bytes.includes(Buffer.from(marker))).toBe(true);
  });
});

describe('real clock', () => {
  it('fires a timer within 1 s of its due time using one wake-up', async () => {
    const engine = new Engine({ database: ':memory:', clock: systemClock, wakeup: systemWakeup() });
    const { stateMachineArn } = engine.createStateMachine({ name: 'rt', definition: machine({ W: { Type: 'Wait', Seconds: 1, Next: 'P' }, P: { Type: 'Pass', End: true } }) });
    await engine.recover();
    const { executionArn } = await engine.startExecution({ stateMachineArn });
    const due = Date.now() + 1000;
    const deadline = due + 1000;
    let status = 'RUNNING';
    while (status === 'RUNNING' && Date.now() < deadline + 500) {
      await new Promise((r) => setTimeout(r, 25));
      status = engine.describeExecution({ executionArn }).status;
    }
    expect(status).toBe('SUCCEEDED');
    const stop = (engine.describeExecution({ executionArn }).stopDate as Date).getTime();
    expect(stop).toBeGreaterThanOrEqual(due - 50);
    expect(stop).toBeLessThanOrEqual(deadline);
    await engine.close();
  });
});
