import { runInMemory, type InvokeTaskCommand } from './runInMemory';

const task = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f', 'Payload.$': '$' }, OutputPath: '$.Payload', End: true };

describe('Map', () => {
  it('never runs more iterations at once than MaxConcurrency', async () => {
    const def = { StartAt: 'M', States: { M: { Type: 'Map', MaxConcurrency: 3, ItemProcessor: { StartAt: 'T', States: { T: task } }, End: true } } };
    const r = await runInMemory(def, [1, 2, 3, 4, 5, 6, 7], {
      startTime: 0,
      invoke: async (c: InvokeTaskCommand) => ({ output: (c.payload as number) * 10, afterSeconds: 1 }),
    });
    expect(r.output).toEqual([10, 20, 30, 40, 50, 60, 70]);
    // Each task takes 1 s: three start at once, the next three when those finish, then the last one.
    const starts = r.history.filter((h) => h.type === 'MapIterationStarted').map((h) => h.timestamp);
    expect(starts).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('fails with States.ExceedToleratedFailureThreshold beyond ToleratedFailureCount, and tolerates up to it', async () => {
    const mk = (count: number) => ({
      StartAt: 'M',
      States: {
        M: { Type: 'Map', ToleratedFailureCount: count, ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'T', States: { T: task } }, End: true },
      },
    });
    const invoke = async (c: InvokeTaskCommand) => ((c.payload as number) % 2 === 0 ? { error: 'Even' } : { output: c.payload });
    const failed = await runInMemory(mk(1), [1, 2, 3, 4], { invoke });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    const ok = await runInMemory(mk(2), [1, 2, 3, 4], { invoke });
    expect(ok.status).toBe('SUCCEEDED');
    expect((ok.output as unknown[]).filter((x) => typeof x === 'number')).toEqual([1, 3]);
    expect(ok.history.map((h) => h.type)).toContain('MapRunStarted');
    expect(ok.history.map((h) => h.type)).not.toContain('TaskStateEntered');
  });

  it('ItemBatcher hands iterations batches with BatchInput', async () => {
    const def = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'tag.$': '$.tag' } },
          ItemsPath: '$.items',
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    };
    const r = await runInMemory(def, { tag: 't', items: [1, 2, 3] }, { invoke: async () => ({ output: null }) });
    expect(r.output).toEqual([
      { BatchInput: { tag: 't' }, Items: [1, 2] },
      { BatchInput: { tag: 't' }, Items: [3] },
    ]);
  });

  it('an empty item list succeeds with []', async () => {
    const def = { StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: { StartAt: 'T', States: { T: task } }, End: true } } };
    expect((await runInMemory(def, [], { invoke: async () => ({ output: 1 }) })).output).toEqual([]);
  });
});

describe('Parallel', () => {
  it('a failing branch aborts the others and the Catch sees the branch error', async () => {
    const def = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Slow', States: { Slow: task } },
            { StartAt: 'Bad', States: { Bad: { Type: 'Fail', Error: 'Nope', Cause: 'because' } } },
          ],
          Catch: [{ ErrorEquals: ['Nope'], ResultPath: '$.err', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Pass', End: true },
      },
    };
    const r = await runInMemory(def, { x: 1 }, { invoke: async () => ({ output: 'late', afterSeconds: 100 }) });
    expect(r).toMatchObject({ status: 'SUCCEEDED', output: { x: 1, err: { Error: 'Nope', Cause: 'because' } } });
    const types = r.history.map((h) => h.type);
    expect(types).toContain('TaskStateAborted');
    expect(types.indexOf('ParallelStateFailed')).toBeLessThan(types.indexOf('ParallelStateExited'));
  });

  it('retries a failed Parallel state as a whole', async () => {
    let calls = 0;
    const def = { StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [{ StartAt: 'T', States: { T: task } }], Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 2 }], End: true } } };
    const r = await runInMemory(def, 5, { invoke: async (c: InvokeTaskCommand) => (++calls < 2 ? { error: 'Flaky' } : { output: c.payload }) });
    expect(r).toMatchObject({ status: 'SUCCEEDED', output: [5] });
    expect(r.history.filter((h) => h.type === 'ParallelStateStarted')).toHaveLength(2);
  });
});
