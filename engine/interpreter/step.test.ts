import { createExecutionState, step, type Command, type ExecutionInfo, type ExecutionState, type InterpreterEvent, type StepResult } from './index';
import { runInMemory } from './runInMemory';

const info: ExecutionInfo = {
  executionArn: 'arn:aws:states:us-east-1:111111111111:execution:sm:e1',
  executionName: 'e1',
  stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:sm',
  stateMachineName: 'sm',
  roleArn: 'arn:aws:iam::111111111111:role/R',
  startTime: '2024-01-01T00:00:00.000Z',
};

function env(now: number): { now: number; newId(): string; random(): number } {
  let n = 0;
  return { now, newId: () => `id-${now}-${++n}`, random: () => 0.5 };
}

/** Feeds one event to a state that went through JSON (as a durable shell would reload it). */
async function feed(def: object, state: ExecutionState, event: InterpreterEvent, now = 0): Promise<StepResult> {
  const reloaded = JSON.parse(JSON.stringify(state)) as ExecutionState;
  return step(def, reloaded, event, env(now));
}

const invokes = (r: StepResult): Extract<Command, { type: 'InvokeTask' }>[] => r.commands.filter((c): c is Extract<Command, { type: 'InvokeTask' }> => c.type === 'InvokeTask');

describe('step', () => {
  it('runs a Map over 2 000 task items touching O(1) frames per task completion, with JSON-reloaded state', async () => {
    const def = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'T',
            States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f', 'Payload.$': '$' }, OutputPath: '$.Payload', End: true } },
          },
          End: true,
        },
      },
    };
    const items = Array.from({ length: 2000 }, (_, i) => i);
    let r = await feed(def, createExecutionState(info), { type: 'Start', input: items });
    const tasks = invokes(r);
    expect(tasks).toHaveLength(2000);
    expect(new Set(tasks.map((t) => t.idempotencyKey)).size).toBe(2000);
    let maxChanged = 0;
    let state = r.state;
    for (const [i, t] of tasks.entries()) {
      r = await step(def, state, { type: 'TaskSucceeded', taskId: t.taskId, output: (t.payload as number) * 2 }, env(i));
      state = r.state;
      if (i < tasks.length - 1) maxChanged = Math.max(maxChanged, r.changedFrames.length + r.removedFrames.length);
    }
    expect(maxChanged).toBeLessThanOrEqual(3);
    expect(r.removedFrames.length).toBeGreaterThanOrEqual(2000);
    expect(r.commands.at(-1)).toMatchObject({ type: 'ExecutionEnded', status: 'SUCCEEDED', output: items.map((i) => i * 2) });
    expect(Object.keys(state.frames)).toEqual(['root']);
  });

  it('numbers history events consecutively across steps', async () => {
    const def = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 10, Next: 'P' }, P: { Type: 'Pass', End: true } } };
    const a = await feed(def, createExecutionState(info), { type: 'Start', input: { a: 1 } }, 0);
    const timer = a.commands.find((c) => c.type === 'StartTimer');
    expect(timer).toMatchObject({ type: 'StartTimer', fireAt: 10_000, purpose: 'Wait' });
    const b = await feed(def, a.state, { type: 'TimerFired', timerId: (timer as { timerId: string }).timerId }, 10_000);
    const all = [...a.history, ...b.history];
    expect(all.map((h) => h.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    expect(all.map((h) => h.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('.waitForTaskToken passes the token in the payload and parks until the callback', async () => {
    const def = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
          HeartbeatSeconds: 60,
          End: true,
        },
      },
    };
    const a = await feed(def, createExecutionState(info), { type: 'Start', input: {} });
    const [cmd] = invokes(a);
    expect(cmd?.taskToken).toBeDefined();
    expect(cmd?.payload).toEqual({ token: cmd?.taskToken });
    const hb = a.commands.find((c) => c.type === 'StartTimer' && c.purpose === 'HeartbeatTimeout');
    expect(hb).toMatchObject({ fireAt: 60_000 });
    const b = await feed(def, a.state, { type: 'TaskHeartbeat', taskId: cmd!.taskId }, 30_000);
    expect(b.commands).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'StartTimer', purpose: 'HeartbeatTimeout', fireAt: 90_000 })]));
    const c = await feed(def, b.state, { type: 'TaskSucceeded', taskId: cmd!.taskId, output: { approved: true } }, 40_000);
    expect(c.commands.at(-1)).toMatchObject({ type: 'ExecutionEnded', status: 'SUCCEEDED', output: { approved: true } });
  });

  it('fails with States.HeartbeatTimeout when no heartbeat arrives', async () => {
    const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', HeartbeatSeconds: 5, End: true } } };
    const r = await runInMemory(def, {}, { invoke: async () => ({ output: 'late', afterSeconds: 30 }) });
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
  });

  it('TimeoutSeconds beats a slow task; the task result arriving later is ignored', async () => {
    const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:slow', TimeoutSeconds: 5, End: true } } };
    const r = await runInMemory(def, {}, { invoke: async () => ({ output: 'late', afterSeconds: 60 }) });
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(r.history.map((h) => h.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionTimedOut', 'ExecutionFailed']);
  });

  it('retries on the back-off schedule, then succeeds', async () => {
    const def = {
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 3, BackoffRate: 2, MaxAttempts: 3 }], End: true } },
    };
    let calls = 0;
    const r = await runInMemory(def, {}, { startTime: 0, invoke: async () => (++calls < 3 ? { error: 'Flaky' } : { output: 'ok' }) });
    expect(r.status).toBe('SUCCEEDED');
    expect((r.output as { Payload: unknown }).Payload).toBe('ok');
    expect(r.history.filter((h) => h.type === 'TaskScheduled').map((h) => h.timestamp)).toEqual([0, 3000, 9000]);
  });

  it('refuses a task result above 256 KiB with States.DataLimitExceeded', async () => {
    const def = { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:big', End: true } } };
    const r = await runInMemory(def, {}, { invoke: async () => ({ output: 'x'.repeat(257 * 1024) }) });
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('Stop aborts running Map iterations and cancels their tasks', async () => {
    const def = {
      StartAt: 'M',
      States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } } }, End: true } },
    };
    const a = await feed(def, createExecutionState(info), { type: 'Start', input: [1, 2] });
    const b = await feed(def, a.state, { type: 'Stop', error: 'User', cause: 'stopped' });
    expect(b.state.status).toBe('ABORTED');
    expect(b.commands.filter((c) => c.type === 'CancelTask')).toHaveLength(2);
    expect(b.history.map((h) => h.type)).toContain('ExecutionAborted');
  });

  it('Redrive re-enters the failed state with its input and variables', async () => {
    const def = {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { v: 7 }, Next: 'T' },
        T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'Payload.$': '$v' }, ResultSelector: { 'p.$': '$.Payload' }, End: true },
      },
    };
    const a = await feed(def, createExecutionState(info), { type: 'Start', input: {} });
    const b = await feed(def, a.state, { type: 'TaskFailed', taskId: invokes(a)[0]!.taskId, error: 'Boom' });
    expect(b.state.status).toBe('FAILED');
    const redriven = { ...b.state, info: { ...b.state.info, redriveCount: 1 } };
    const c = await feed(def, redriven, { type: 'Redrive' });
    expect(c.history.map((h) => h.type).slice(0, 2)).toEqual(['ExecutionRedriven', 'TaskStateEntered']);
    const [again] = invokes(c);
    expect(again?.payload).toBe(7);
    const d = await feed(def, c.state, { type: 'TaskSucceeded', taskId: again!.taskId, output: 8 });
    expect(d.commands.at(-1)).toMatchObject({ status: 'SUCCEEDED', output: { p: 8 } });
    await expect(feed(def, d.state, { type: 'Redrive' })).rejects.toThrow(/cannot be redriven/);
  });

  // What AWS returns for this very definition, measured: DescribeExecution is TIMED_OUT with no error
  // and no cause; the history is three events, the last ExecutionTimedOut carrying States.Timeout
  // (github.com/floci-io/floci/issues/2733; ExecutionTimedOutEventDetails in the Step Functions API reference).
  it('times the whole execution out at the top-level TimeoutSeconds, as AWS reports it', async () => {
    const def = { TimeoutSeconds: 60, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } };
    const r = await runInMemory(def, {}, { startTime: 0, invoke: async () => ({ output: null }) });
    expect(r.status).toBe('TIMED_OUT');
    expect(r).not.toHaveProperty('error');
    expect(r).not.toHaveProperty('cause');
    expect(r.history.map((h) => h.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionTimedOut']);
    expect(r.history.at(-1)).toMatchObject({ timestamp: 60_000, details: { error: 'States.Timeout' } });
    expect(r.history.at(-1)?.details).not.toHaveProperty('cause');
  });

  it('fails a state whose output exceeds 256 KiB with States.DataLimitExceeded', async () => {
    const def = { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'a.$': '$.s', 'b.$': '$.s' }, End: true } } };
    const r = await runInMemory(def, { s: 'é'.repeat(70_000) }, { invoke: async () => ({ output: null }) });
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('a Catch whose Output cannot be evaluated fails the execution with the evaluation error', async () => {
    const def = {
      QueryLanguage: 'JSONata',
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $nope %}', Next: 'H' }], End: true },
        H: { Type: 'Pass', End: true },
      },
    };
    const r = await runInMemory(def, {}, { invoke: async () => ({ error: 'Boom' }) });
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
    expect(r.cause).toMatch(/^An error occurred while executing the state 'T' \(entered at the event id #2\)\. The JSONata expression '\$nope'/);
  });

  it('gives each visit and each attempt of a Task its own idempotency key', async () => {
    const def = {
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 1 }], ResultPath: null, Next: 'C' },
        C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 2, Next: 'Inc' }], Default: 'Done' },
        Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'T' },
        Done: { Type: 'Succeed' },
      },
    };
    const keys: string[] = [];
    const r = await runInMemory(def, { n: 0 }, { invoke: async (c) => (keys.push(c.idempotencyKey), keys.length === 1 ? { error: 'Flaky' } : { output: 1 }) });
    expect(r.status).toBe('SUCCEEDED');
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(4);
    expect(keys[0]).toMatch(/^arn:aws:states:.*\|T#\d+\|0$/);
    expect(keys[1]).toMatch(/\|T#\d+\|1$/);
  });

  it('Redrive of a failed Map reruns only the failed and aborted iterations', async () => {
    const def = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'Payload.$': '$' }, OutputPath: '$.Payload', End: true } } },
          End: true,
        },
      },
    };
    const a = await feed(def, createExecutionState(info), { type: 'Start', input: [1, 2, 3] });
    const [t1, t2, t3] = invokes(a);
    const b = await feed(def, a.state, { type: 'TaskSucceeded', taskId: t1!.taskId, output: 10 });
    const c = await feed(def, b.state, { type: 'TaskFailed', taskId: t2!.taskId, error: 'Boom' });
    expect(c.state.status).toBe('FAILED');
    expect(c.commands).toEqual(expect.arrayContaining([{ type: 'CancelTask', taskId: t3!.taskId }]));
    const d = await feed(def, { ...c.state, info: { ...c.state.info, redriveCount: 1 } }, { type: 'Redrive' });
    const again = invokes(d);
    expect(again.map((t) => t.payload)).toEqual([2, 3]);
    let state = d.state;
    let last: StepResult | undefined;
    for (const t of again) {
      last = await feed(def, state, { type: 'TaskSucceeded', taskId: t.taskId, output: (t.payload as number) * 10 });
      state = last.state;
    }
    expect(last?.commands.at(-1)).toMatchObject({ type: 'ExecutionEnded', status: 'SUCCEEDED', output: [10, 20, 30] });
    expect(Object.keys(state.frames)).toEqual(['root']);
  });

  it('a caught Map failure forgets the failed iterations', async () => {
    const def = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'E' } } },
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Pass', End: true },
      },
    };
    const a = await feed(def, createExecutionState(info), { type: 'Start', input: [1, 2] });
    expect(a.state.status).toBe('SUCCEEDED');
    expect(Object.keys(a.state.frames)).toEqual(['root']);
  });
});
