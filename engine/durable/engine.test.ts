import { WorkflowError } from '../../schemas/errors';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeHistoryChunk } from './historyChunk';
import { errorOf, LAMBDA, machine, testEngine } from './engineFixture.testkit';

const DAY = 86_400_000;

describe('Engine API', () => {
  it('starts, describes, lists and returns history of an execution', async () => {
    const { engine, tasks } = testEngine();
    tasks.registerFunction('double', (p) => Promise.resolve({ v: (p as { v: number }).v * 2 }));
    const { stateMachineArn } = engine.createStateMachine({
      name: 'doubler',
      definition: machine({ A: { Type: 'Pass', Next: 'T' }, T: { Type: 'Task', Resource: LAMBDA('double'), End: true } }),
    });
    expect(stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:doubler');
    const { executionArn, startDate } = await engine.startExecution({ stateMachineArn, name: 'run-1', input: '{"v":21}' });
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:doubler:run-1');
    expect(startDate).toBeInstanceOf(Date);
    await engine.runUntilIdle();
    const d = engine.describeExecution({ executionArn });
    expect(d).toMatchObject({ status: 'SUCCEEDED', name: 'run-1', input: '{"v":21}', output: '{"v":42}', stateMachineArn });
    expect(d.stopDate).toBeInstanceOf(Date);
    const list = engine.listExecutions({ stateMachineArn });
    expect(list.executions.map((e) => [e.name, e.status])).toEqual([['run-1', 'SUCCEEDED']]);
    const h = engine.getExecutionHistory({ executionArn });
    expect(h.events[0]).toMatchObject({ id: 1, previousEventId: 0, type: 'ExecutionStarted' });
    expect(h.events[0]?.executionStartedEventDetails).toMatchObject({ input: '{"v":21}' });
    const types = h.events.map((e) => e.type);
    expect(types).toContain('LambdaFunctionScheduled');
    expect(types[types.length - 1]).toBe('ExecutionSucceeded');
    expect(h.events.map((e) => e.id)).toEqual(types.map((_, i) => i + 1));
    const noData = engine.getExecutionHistory({ executionArn, includeExecutionData: false });
    expect(noData.events[0]?.executionStartedEventDetails).not.toHaveProperty('input');
    await engine.close();
  });

  it('reads history rows written as JSON arrays (journals from before the binary chunk format)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinflow-legacy-'));
    try {
      const { engine } = testEngine({ database: join(dir, 'journal.db') });
      const { stateMachineArn } = engine.createStateMachine({ name: 'legacy', definition: machine({ A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', End: true } }) });
      const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'old', input: '{"n":1}' });
      await engine.runUntilIdle();
      const before = engine.getExecutionHistory({ executionArn }).events;
      const rows = engine.db.prepare('SELECT execution_id, first_id, events FROM sfn_history').all() as Array<{ execution_id: number; first_id: number; events: Buffer }>;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => Buffer.isBuffer(r.events) && r.events[0] === 0x48)).toBe(true);
      // Rewrite each row the way the journal stored it before: the step's events as one JSON array.
      const rewrite = engine.db.prepare('UPDATE sfn_history SET events = ? WHERE execution_id = ? AND first_id = ?');
      for (const r of rows) {
        const names = engine.store.stateNames(engine.store.execution(r.execution_id)!.revision_id)?.names;
        rewrite.run(engine.store.codec.encode(decodeHistoryChunk(r.events, names)), r.execution_id, r.first_id);
      }
      expect(typeof (engine.db.prepare('SELECT events FROM sfn_history').get() as { events: unknown }).events).toBe('string');
      expect(engine.getExecutionHistory({ executionArn }).events).toEqual(before);
      expect(before.map((e) => e.type)).toEqual(['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
      await engine.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pages history and executions, and filters by status', async () => {
    const { engine } = testEngine();
    const { stateMachineArn } = engine.createStateMachine({
      name: 'waiter',
      definition: machine({ W: { Type: 'Wait', SecondsPath: '$.s', Next: 'D' }, D: { Type: 'Succeed' } }),
    });
    for (let i = 0; i < 5; i++) await engine.startExecution({ stateMachineArn, name: `e${i}`, input: JSON.stringify({ s: i < 2 ? 0 : 3600 }) });
    await engine.runUntilIdle();
    expect(
      engine
        .listExecutions({ stateMachineArn, statusFilter: 'SUCCEEDED' })
        .executions.map((e) => e.name)
        .sort(),
    ).toEqual(['e0', 'e1']);
    expect(engine.listExecutions({ stateMachineArn, statusFilter: 'RUNNING' }).executions).toHaveLength(3);
    const p1 = engine.listExecutions({ stateMachineArn, maxResults: 2 });
    expect(p1.executions.map((e) => e.name)).toEqual(['e4', 'e3']);
    const p2 = engine.listExecutions({ stateMachineArn, maxResults: 2, nextToken: p1.nextToken! });
    const p3 = engine.listExecutions({ stateMachineArn, maxResults: 2, nextToken: p2.nextToken! });
    expect([...p2.executions, ...p3.executions].map((e) => e.name)).toEqual(['e2', 'e1', 'e0']);
    expect(p3.nextToken).toBeUndefined();
    const arn = engine.listExecutions({ stateMachineArn, statusFilter: 'SUCCEEDED' }).executions[0]!.executionArn;
    const all = engine.getExecutionHistory({ executionArn: arn }).events.map((e) => e.id);
    const first = engine.getExecutionHistory({ executionArn: arn, maxResults: 2 });
    const rest = engine.getExecutionHistory({ executionArn: arn, maxResults: 100, nextToken: first.nextToken! });
    expect([...first.events, ...rest.events].map((e) => e.id)).toEqual(all);
    expect(engine.getExecutionHistory({ executionArn: arn, reverseOrder: true }).events.map((e) => e.id)).toEqual([...all].reverse());
    await engine.close();
  });

  it('applies AWS name uniqueness: same name and input while running is idempotent, otherwise ExecutionAlreadyExists', async () => {
    const { engine } = testEngine();
    const { stateMachineArn } = engine.createStateMachine({ name: 'w', definition: machine({ W: { Type: 'Wait', Seconds: 60, End: true } }) });
    const a = await engine.startExecution({ stateMachineArn, name: 'once', input: '{"a":1}' });
    const b = await engine.startExecution({ stateMachineArn, name: 'once', input: '{"a":1}' });
    expect(b).toEqual(a);
    expect((await errorOf(() => engine.startExecution({ stateMachineArn, name: 'once', input: '{"a":2}' }))).error).toBe('ExecutionAlreadyExists');
    // Concurrent starts with the same name and input yield one execution.
    const [c1, c2] = await Promise.all([engine.startExecution({ stateMachineArn, name: 'twin', input: '{}' }), engine.startExecution({ stateMachineArn, name: 'twin', input: '{}' })]);
    expect(c1.executionArn).toBe(c2.executionArn);
    await engine.advanceTo(engine['clock'].now() + 61_000);
    expect(engine.describeExecution(a).status).toBe('SUCCEEDED');
    expect((await errorOf(() => engine.startExecution({ stateMachineArn, name: 'once', input: '{"a":1}' }))).error).toBe('ExecutionAlreadyExists');
    expect(engine.listExecutions({ stateMachineArn }).executions).toHaveLength(2);
    await engine.close();
  });

  it('answers bad input with named errors, never a crash', async () => {
    const { engine } = testEngine();
    const { stateMachineArn } = engine.createStateMachine({ name: 'ok', definition: machine({ P: { Type: 'Pass', End: true } }) });
    const smMissing = 'arn:aws:states:us-east-1:000000000000:stateMachine:nope';
    expect((await errorOf(() => engine.startExecution({ stateMachineArn: smMissing }))).error).toBe('StateMachineDoesNotExist');
    expect((await errorOf(() => engine.startExecution({ stateMachineArn: 'not-an-arn' }))).error).toBe('InvalidArn');
    expect((await errorOf(() => engine.startExecution({} as never))).error).toBe('ValidationException');
    expect((await errorOf(() => engine.startExecution(null as never))).error).toBe('ValidationException');
    expect((await errorOf(() => engine.startExecution({ stateMachineArn, name: 'has space' }))).error).toBe('InvalidName');
    expect((await errorOf(() => engine.startExecution({ stateMachineArn, name: 'x'.repeat(81) }))).error).toBe('InvalidName');
    expect((await errorOf(() => engine.startExecution({ stateMachineArn, input: '{nope' }))).error).toBe('InvalidExecutionInput');
    expect((await errorOf(() => engine.startExecution({ stateMachineArn, input: JSON.stringify({ s: 'x'.repeat(300_000) }) }))).error).toBe('InvalidExecutionInput');
    const missingExec = 'arn:aws:states:us-east-1:000000000000:execution:ok:ghost';
    expect((await errorOf(() => engine.describeExecution({ executionArn: missingExec }))).error).toBe('ExecutionDoesNotExist');
    expect((await errorOf(() => engine.stopExecution({ executionArn: missingExec }))).error).toBe('ExecutionDoesNotExist');
    expect((await errorOf(() => engine.getExecutionHistory({ executionArn: 'arn:x' }))).error).toBe('InvalidArn');
    expect((await errorOf(() => engine.listExecutions({ stateMachineArn, statusFilter: 'BOGUS' }))).error).toBe('ValidationException');
    expect((await errorOf(() => engine.listExecutions({ stateMachineArn, nextToken: '!!' }))).error).toBe('InvalidToken');
    const bad = await errorOf(() => engine.createStateMachine({ name: 'bad', definition: machine({ A: { Type: 'Pass', Next: 'Nowhere' } }) }));
    expect(bad.error).toBe('InvalidDefinition');
    expect(bad.message).toContain('States.A.Next');
    expect((await errorOf(() => engine.createStateMachine({ name: 'bad2', definition: '{' }))).error).toBe('InvalidDefinition');
    expect((await errorOf(() => engine.createStateMachine({ name: 'bad name', definition: machine({ P: { Type: 'Pass', End: true } }) }))).error).toBe('InvalidName');
    expect((await errorOf(() => engine.createStateMachine({ name: 'ok', definition: machine({ Q: { Type: 'Pass', End: true } }) }))).error).toBe('StateMachineAlreadyExists');
    // Identical re-creation is idempotent.
    expect(engine.createStateMachine({ name: 'ok', definition: machine({ P: { Type: 'Pass', End: true } }) }).stateMachineArn).toBe(stateMachineArn);
    const e = await errorOf(() => engine.startExecution({ stateMachineArn: smMissing }));
    expect(e.message).toContain(smMissing);
    await engine.close();
  });

  it('stops a running execution (ABORTED) and cancels its timer', async () => {
    const { engine, clock } = testEngine();
    const { stateMachineArn } = engine.createStateMachine({ name: 'w', definition: machine({ W: { Type: 'Wait', Seconds: 3600, End: true } }) });
    const { executionArn } = await engine.startExecution({ stateMachineArn });
    const { stopDate } = await engine.stopExecution({ executionArn, error: 'Manual', cause: 'operator' });
    expect(stopDate.getTime()).toBe(clock.now());
    expect(engine.describeExecution({ executionArn })).toMatchObject({ status: 'ABORTED' });
    expect(engine.store.nextTimerAt()).toBeUndefined();
    const types = engine.getExecutionHistory({ executionArn }).events.map((e) => e.type);
    expect(types[types.length - 1]).toBe('ExecutionAborted');
    await engine.close();
  });

  it('refuses to redrive an execution that has not failed', async () => {
    const { engine } = testEngine();
    const waiting = engine.createStateMachine({ name: 'nw', definition: machine({ W: { Type: 'Wait', Seconds: 5, Next: 'D' }, D: { Type: 'Succeed' } }) });
    const w = await engine.startExecution({ stateMachineArn: waiting.stateMachineArn });
    expect((await errorOf(() => engine.redriveExecution(w))).error).toBe('ExecutionNotRedrivable');
    await engine.runToCompletion();
    expect((await errorOf(() => engine.redriveExecution(w))).error).toBe('ExecutionNotRedrivable');
    expect(engine.describeExecution(w)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 0 });
    await engine.close();
  });

  it('redrives a failed execution from the failed state', async () => {
    const { engine, tasks } = testEngine();
    let calls = 0;
    const keys: string[] = [];
    tasks.registerFunction('flaky', (_p, ctx) => {
      calls += 1;
      keys.push(ctx.idempotencyKey);
      return calls === 1 ? Promise.reject(new WorkflowError('Flaky.Down', 'not yet')) : Promise.resolve({ ok: true });
    });
    const { stateMachineArn } = engine.createStateMachine({
      name: 'redrivable',
      definition: machine({ Before: { Type: 'Pass', Result: { step: 1 }, Next: 'T' }, T: { Type: 'Task', Resource: LAMBDA('flaky'), End: true } }),
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'r' });
    await engine.runUntilIdle();
    expect(engine.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'Flaky.Down', cause: 'not yet', redriveStatus: 'REDRIVABLE' });
    const { redriveDate } = await engine.redriveExecution({ executionArn });
    expect(redriveDate).toBeInstanceOf(Date);
    await engine.runUntilIdle();
    expect(engine.describeExecution({ executionArn })).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}', redriveCount: 1 });
    expect(calls).toBe(2);
    expect(new Set(keys).size).toBe(2);
    const types = engine.getExecutionHistory({ executionArn }).events.map((e) => e.type);
    expect(types.filter((t) => t === 'PassStateEntered')).toHaveLength(1);
    expect((await errorOf(() => engine.redriveExecution({ executionArn }))).error).toBe('ExecutionNotRedrivable');
    await engine.close();
  });

  it('parks callback tasks on a token and maps SendTask* errors to AWS names', async () => {
    const { engine, clock, tasks } = testEngine();
    const tokens: string[] = [];
    tasks.registerFunction('park', (_p, ctx) => {
      tokens.push(ctx.taskToken ?? 'missing');
      return Promise.resolve(null);
    });
    const { stateMachineArn } = engine.createStateMachine({
      name: 'cb',
      definition: machine({
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: LAMBDA('park'), Payload: { 'token.$': '$$.Task.Token' } },
          HeartbeatSeconds: 60,
          End: true,
        },
      }),
    });
    const one = await engine.startExecution({ stateMachineArn, name: 'one' });
    const two = await engine.startExecution({ stateMachineArn, name: 'two' });
    await engine.runUntilIdle();
    expect(tokens).toHaveLength(2);
    expect(engine.describeExecution(one).status).toBe('RUNNING');
    await engine.sendTaskHeartbeat({ taskToken: tokens[0]! });
    await engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{"approved":true}' });
    await engine.runUntilIdle();
    expect(engine.describeExecution(one)).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
    expect((await errorOf(() => engine.sendTaskSuccess({ taskToken: tokens[0]!, output: '{}' }))).error).toBe('TaskTimedOut');
    expect((await errorOf(() => engine.sendTaskSuccess({ taskToken: 'no-such-token', output: '{}' }))).error).toBe('TaskDoesNotExist');
    expect((await errorOf(() => engine.sendTaskSuccess({ taskToken: '', output: '{}' }))).error).toBe('InvalidToken');
    expect((await errorOf(() => engine.sendTaskSuccess({ taskToken: tokens[1]!, output: 'not json' }))).error).toBe('InvalidOutput');
    // The second one misses its heartbeat.
    await engine.advanceTo(clock.now() + 61_000);
    expect(engine.describeExecution(two)).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    expect((await errorOf(() => engine.sendTaskFailure({ taskToken: tokens[1]!, error: 'X' }))).error).toBe('TaskTimedOut');
    await engine.close();
  });

  it('fails a callback task with SendTaskFailure error and cause', async () => {
    const { engine, tasks } = testEngine();
    let token = '';
    tasks.registerFunction('park', (_p, ctx) => {
      token = ctx.taskToken ?? '';
      return Promise.resolve(null);
    });
    const { stateMachineArn } = engine.createStateMachine({
      name: 'cbf',
      definition: machine({ T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: 'park', Payload: { 't.$': '$$.Task.Token' } }, End: true } }),
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn });
    await engine.runUntilIdle();
    await engine.sendTaskFailure({ taskToken: token, error: 'HumanTask.Rejected', cause: 'declined' });
    expect(engine.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'HumanTask.Rejected', cause: 'declined' });
    await engine.close();
  });

  it('plays a 30-day Wait on the simulated clock in milliseconds', async () => {
    const { engine, clock } = testEngine();
    const { stateMachineArn } = engine.createStateMachine({ name: 'month', definition: machine({ W: { Type: 'Wait', Seconds: 30 * 86_400, Next: 'Done' }, Done: { Type: 'Succeed' } }) });
    const started = Date.now();
    const { executionArn } = await engine.startExecution({ stateMachineArn });
    const t0 = clock.now();
    await engine.advanceTo(t0 + 29 * DAY);
    expect(engine.describeExecution({ executionArn }).status).toBe('RUNNING');
    await engine.advanceTo(t0 + 31 * DAY);
    const d = engine.describeExecution({ executionArn });
    expect(d.status).toBe('SUCCEEDED');
    expect((d.stopDate as Date).getTime()).toBe(t0 + 30 * DAY);
    expect(Date.now() - started).toBeLessThan(2000);
    await engine.close();
  });

  it('keeps running executions on the definition they started with; versions are addressable', async () => {
    const { engine } = testEngine();
    const { stateMachineArn, stateMachineVersionArn } = engine.createStateMachine({ name: 'v', definition: machine({ P: { Type: 'Pass', Result: 'v1', End: true } }), publish: true });
    expect(stateMachineVersionArn).toBe(`${stateMachineArn}:1`);
    const up = engine.updateStateMachine({ stateMachineArn, definition: machine({ P: { Type: 'Pass', Result: 'v2', End: true } }), publish: true });
    expect(up.stateMachineVersionArn).toBe(`${stateMachineArn}:2`);
    const latest = await engine.startExecution({ stateMachineArn });
    const v1 = await engine.startExecution({ stateMachineArn: `${stateMachineArn}:1` });
    await engine.runUntilIdle();
    expect(engine.describeExecution(latest).output).toBe('"v2"');
    expect(engine.describeExecution(v1).output).toBe('"v1"');
    expect(engine.describeStateMachine({ stateMachineArn }).definition).toContain('v2');
    expect(engine.listStateMachines().stateMachines.map((s) => s.name)).toEqual(['v']);
    await engine.close();
  });

  it('runs tasks in Map iterations with per-iteration idempotency keys', async () => {
    const { engine, tasks } = testEngine();
    const keys: string[] = [];
    tasks.registerFunction('sq', (p, ctx) => {
      keys.push(ctx.idempotencyKey);
      return Promise.resolve((p as number) ** 2);
    });
    const { stateMachineArn } = engine.createStateMachine({
      name: 'mapper',
      definition: machine({
        M: {
          Type: 'Map',
          MaxConcurrency: 2,
          ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'T', States: { T: { Type: 'Task', Resource: LAMBDA('sq'), End: true } } },
          End: true,
        },
      }),
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: '[1,2,3,4,5]' });
    await engine.runUntilIdle();
    expect(engine.describeExecution({ executionArn })).toMatchObject({ status: 'SUCCEEDED', output: '[1,4,9,16,25]' });
    expect(new Set(keys).size).toBe(5);
    await engine.close();
  });
});

describe('Engine as the executions port', () => {
  it('lets a task start another execution through ctx.ports.executions', async () => {
    const { engine, tasks } = testEngine();
    const child = engine.createStateMachine({ name: 'child', definition: machine({ P: { Type: 'Pass', Result: 'child done', End: true } }) });
    tasks.registerFunction('spawn', async (_p, ctx) => {
      const r = await ctx.ports.executions.startExecution({ stateMachineArn: child.stateMachineArn, name: 'kid', input: '{}' });
      return { started: r.executionArn };
    });
    const parent = engine.createStateMachine({ name: 'parent', definition: machine({ T: { Type: 'Task', Resource: LAMBDA('spawn'), End: true } }) });
    const p = await engine.startExecution({ stateMachineArn: parent.stateMachineArn });
    await engine.runUntilIdle();
    const kidArn = 'arn:aws:states:us-east-1:000000000000:execution:child:kid';
    expect(engine.describeExecution(p)).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ started: kidArn }) });
    expect(engine.describeExecution({ executionArn: kidArn })).toMatchObject({ status: 'SUCCEEDED', output: '"child done"' });
    await engine.close();
  });
});
