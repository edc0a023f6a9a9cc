import { runInMemory } from './runInMemory';

const noTasks = { invoke: async () => ({ error: 'Unexpected', cause: 'no task expected' }) };

describe('variables and their scopes', () => {
  it('Map iterations read outer variables; their own assignments stay inside the iteration', async () => {
    const def = {
      StartAt: 'Init',
      States: {
        Init: { Type: 'Pass', Assign: { bias: 10, items: [1, 2, 3] }, Next: 'Loop' },
        Loop: {
          Type: 'Map',
          ItemsPath: '$items',
          ItemProcessor: {
            StartAt: 'Add',
            States: {
              Add: { Type: 'Pass', Assign: { inner: 'set-inside' }, Parameters: { 'v.$': 'States.MathAdd($, $bias)' }, Next: 'Read' },
              Read: { Type: 'Pass', Parameters: { 'v.$': '$.v', 'inner.$': '$inner' }, End: true },
            },
          },
          Next: 'After',
        },
        After: { Type: 'Pass', Parameters: { 'results.$': '$', 'innerVisible.$': 'States.ArrayLength(States.Array($bias))' }, End: true },
      },
    };
    const r = await runInMemory(def, {}, noTasks);
    expect(r.status).toBe('SUCCEEDED');
    expect(r.output).toEqual({
      results: [
        { v: 11, inner: 'set-inside' },
        { v: 12, inner: 'set-inside' },
        { v: 13, inner: 'set-inside' },
      ],
      innerVisible: 1,
    });
    const leak = await runInMemory({ ...def, States: { ...def.States, After: { Type: 'Pass', Parameters: { 'x.$': '$inner' }, End: true } } }, {}, noTasks);
    expect(leak.status).toBe('FAILED');
    expect(leak.error).toBe('States.Runtime');
  });

  it('Parallel branches see outer variables and do not leak their own', async () => {
    const def = {
      QueryLanguage: 'JSONata',
      StartAt: 'Init',
      States: {
        Init: { Type: 'Pass', Assign: { x: 1 }, Next: 'Par' },
        Par: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', Assign: { y: 2 }, Next: 'B' }, B: { Type: 'Pass', Output: '{% $x + $y %}', End: true } } },
            { StartAt: 'C', States: { C: { Type: 'Pass', Output: '{% $x * 10 %}', End: true } } },
          ],
          Next: 'After',
        },
        After: { Type: 'Pass', Output: '{% {"results": $states.input, "y": $exists($y)} %}', End: true },
      },
    };
    const r = await runInMemory(def, {}, noTasks);
    expect(r).toMatchObject({ status: 'SUCCEEDED', output: { results: [3, 10], y: false } });
  });

  it('Assign and Output of one state both see the variable values from before the state', async () => {
    const def = {
      QueryLanguage: 'JSONata',
      StartAt: 'S0',
      States: {
        S0: { Type: 'Pass', Assign: { n: 1 }, Next: 'S1' },
        S1: { Type: 'Pass', Assign: { n: '{% $n + 1 %}', old: '{% $n %}' }, Output: '{% $n %}', Next: 'S2' },
        S2: { Type: 'Pass', Output: '{% {"in": $states.input, "n": $n, "old": $old} %}', End: true },
      },
    };
    const r = await runInMemory(def, {}, noTasks);
    expect(r.output).toEqual({ in: 1, n: 2, old: 1 });
  });

  it('JSONPath OutputPath reads a variable before the state assigns it', async () => {
    const def = {
      StartAt: 'S0',
      States: {
        S0: { Type: 'Pass', Assign: { answer: 42 }, Next: 'S1' },
        S1: { Type: 'Pass', OutputPath: '$answer', Assign: { answer: 'changed' }, End: true },
      },
    };
    expect((await runInMemory(def, {}, noTasks)).output).toBe(42);
  });

  it('Catch Assign sees $states.errorOutput and the next state reads it', async () => {
    const def = {
      QueryLanguage: 'JSONata',
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: { FunctionName: 'f', Payload: {} },
          Catch: [{ ErrorEquals: ['States.ALL'], Assign: { err: '{% $states.errorOutput.Error %}' }, Next: 'H' }],
          End: true,
        },
        H: { Type: 'Pass', Output: '{% $err %}', End: true },
      },
    };
    const r = await runInMemory(def, {}, { invoke: async () => ({ error: 'Boom', cause: 'x' }) });
    expect(r).toMatchObject({ status: 'SUCCEEDED', output: 'Boom' });
  });
});
