/**
 * Numeric fields given as JSONata (`TimeoutSeconds`, `HeartbeatSeconds`, `MaxConcurrency`,
 * `ToleratedFailure*`): a value of the wrong type fails the state with States.QueryEvaluationError,
 * in the wording AWS uses for `Items` and `Condition` ("returned an unexpected result type. Expected
 * '<type>', but was '<type>' for value: <json>"), instead of being dropped (a timeout silently
 * ignored) or read as NaN (a Map that never starts an iteration).
 * https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
 */
import { runInMemory } from './runInMemory';

const run = (definition: object, input: unknown = {}) => runInMemory({ QueryLanguage: 'JSONata', ...definition }, input, { invoke: async (cmd) => ({ output: cmd.payload, afterSeconds: 60 }) });

const task = (fields: Record<string, unknown>) => ({
  StartAt: 'T',
  States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: { FunctionName: 'fn', Payload: {} }, ...fields, End: true } },
});
const map = (fields: Record<string, unknown>) => ({
  StartAt: 'M',
  States: { M: { Type: 'Map', Items: [1, 2, 3], ...fields, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } },
});
const prefix = (state: string) => `An error occurred while executing the state '${state}' (entered at the event id #2). `;

describe('numeric fields evaluated by JSONata', () => {
  it('applies a TimeoutSeconds that evaluates to a positive integer', async () => {
    const r = await run(task({ TimeoutSeconds: '{% $states.input.t %}' }), { t: 5 });
    expect(r).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it.each([
    ['TimeoutSeconds', '"ten"', `'string' for value: "ten"`],
    ['TimeoutSeconds', '0', `'number' for value: 0`],
    ['HeartbeatSeconds', '2.5', `'number' for value: 2.5`],
  ])('fails the Task when %s evaluates to %s', async (field, expr, was) => {
    const r = await run(task({ [field]: `{% ${expr} %}` }));
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('States.QueryEvaluationError');
    expect(r.cause).toBe(`${prefix('T')}The JSONata expression '${expr}' specified for the field '${field}' returned an unexpected result type. Expected 'integer', but was ${was}`);
  });

  it('runs a Map whose MaxConcurrency evaluates to an integer', async () => {
    const r = await run(map({ MaxConcurrency: '{% 2 %}' }));
    expect(r).toMatchObject({ status: 'SUCCEEDED', output: [1, 2, 3] });
  });

  it.each([
    ['MaxConcurrency', '"2"', 'integer', `'string' for value: "2"`],
    ['ToleratedFailureCount', '-1', 'integer', `'number' for value: -1`],
    ['ToleratedFailurePercentage', '"10%"', 'number', `'string' for value: "10%"`],
  ])('fails the Map when %s evaluates to %s (it used to hang or misread it)', async (field, expr, expected, was) => {
    const r = await run(map({ [field]: `{% ${expr} %}` }));
    expect(r.status).toBe('FAILED');
    expect(r.error).toBe('States.QueryEvaluationError');
    expect(r.cause).toBe(`${prefix('M')}The JSONata expression '${expr}' specified for the field '${field}' returned an unexpected result type. Expected '${expected}', but was ${was}`);
  });
});
