/**
 * TestState for Task states, as AWS documents it (API_TestState, API_MockInput, API_InspectionData in
 * the Step Functions API reference): the local task is invoked, or `mock.result` / `mock.errorOutput`
 * stands in for it; retriers give RETRIABLE (until `stateConfiguration.retrierRetryCount` reaches
 * MaxAttempts), catchers CAUGHT_ERROR; DEBUG and TRACE add `inspectionData`.
 */
import { TestStateCommand } from '@aws-sdk/client-sfn';
import type { TaskInvocation, TaskOutcome } from '../../schemas/taskPort';
import { startApiFixture } from '../apiFixture.testkit';
import { runTestState } from './testState';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:clinflow-fhir-read';
const ROLE = 'arn:aws:iam::000000000000:role/x';
const task = (extra: object) => JSON.stringify({ Type: 'Task', Resource: FN, Next: 'After', ...extra });

describe('TestState on Task states', () => {
  it('mock.result: the result goes through ResultSelector and ResultPath; DEBUG shows each step', async () => {
    const out = await runTestState({
      definition: task({ InputPath: '$.event', Parameters: { 'reference.$': '$.ref' }, ResultSelector: { 'status.$': '$.status' }, ResultPath: '$.order' }),
      input: JSON.stringify({ event: { ref: 'MedicationRequest/m1' }, other: 1 }),
      mock: { result: JSON.stringify({ resourceType: 'MedicationRequest', id: 'm1', status: 'active' }) },
      inspectionLevel: 'DEBUG',
    });
    expect(out).toEqual({
      status: 'SUCCEEDED',
      nextState: 'After',
      // ResultPath places the result into the state's raw input (not the InputPath view of it).
      output: JSON.stringify({ event: { ref: 'MedicationRequest/m1' }, other: 1, order: { status: 'active' } }),
      inspectionData: {
        input: JSON.stringify({ event: { ref: 'MedicationRequest/m1' }, other: 1 }),
        afterInputPath: JSON.stringify({ ref: 'MedicationRequest/m1' }),
        afterParameters: JSON.stringify({ reference: 'MedicationRequest/m1' }),
        result: JSON.stringify({ resourceType: 'MedicationRequest', id: 'm1', status: 'active' }),
        afterResultSelector: JSON.stringify({ status: 'active' }),
        afterResultPath: JSON.stringify({ event: { ref: 'MedicationRequest/m1' }, other: 1, order: { status: 'active' } }),
      },
    });
  });

  it('INFO (the default) has no inspectionData; TRACE shows what DEBUG does (no HTTP Task runs locally)', async () => {
    const base = { definition: task({}), input: '{"a":1}', mock: { result: '{"b":2}' } };
    expect(await runTestState(base)).toEqual({ status: 'SUCCEEDED', nextState: 'After', output: '{"b":2}' });
    const trace = await runTestState({ ...base, inspectionLevel: 'TRACE' });
    const debug = await runTestState({ ...base, inspectionLevel: 'DEBUG' });
    expect(trace.inspectionData).toEqual(debug.inspectionData);
    await expect(runTestState({ ...base, inspectionLevel: 'LOUD' })).rejects.toMatchObject({ code: 'ValidationException' });
  });

  it('mock.errorOutput: RETRIABLE while a retrier has attempts left, then the Catch (CAUGHT_ERROR) or FAILED', async () => {
    const retry = [{ ErrorEquals: ['FHIR.Unavailable'], MaxAttempts: 2 }];
    const mock = { errorOutput: { error: 'FHIR.Unavailable', cause: 'HTTP 503' } };
    expect(await runTestState({ definition: task({ Retry: retry }), input: '{}', mock })).toEqual({ status: 'RETRIABLE', error: 'FHIR.Unavailable', cause: 'HTTP 503' });
    expect(await runTestState({ definition: task({ Retry: retry }), input: '{}', mock, stateConfiguration: { retrierRetryCount: 1 } })).toMatchObject({ status: 'RETRIABLE' });
    const caught = await runTestState({
      definition: task({ Retry: retry, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Escalate', ResultPath: '$.error' }] }),
      input: '{"x":1}',
      mock,
      stateConfiguration: { retrierRetryCount: 2 },
    });
    expect(caught).toEqual({
      status: 'CAUGHT_ERROR',
      nextState: 'Escalate',
      error: 'FHIR.Unavailable',
      cause: 'HTTP 503',
      output: JSON.stringify({ x: 1, error: { Error: 'FHIR.Unavailable', Cause: 'HTTP 503' } }),
    });
    // A retrier for another error does not apply.
    expect(await runTestState({ definition: task({ Retry: [{ ErrorEquals: ['FHIR.Conflict'] }] }), input: '{}', mock })).toEqual({ status: 'FAILED', error: 'FHIR.Unavailable', cause: 'HTTP 503' });
  });

  it('without a mock, invokes the runtime task function with the evaluated parameters', async () => {
    const calls: TaskInvocation[] = [];
    const tasks = { invoke: (i: TaskInvocation): Promise<TaskOutcome> => (calls.push(i), Promise.resolve({ ok: true, output: { resourceType: 'Patient', id: 'p1' } })) };
    const out = await runTestState({ definition: task({ Parameters: { 'reference.$': '$.ref' } }), input: '{"ref":"Patient/p1"}' }, tasks);
    expect(out).toEqual({ status: 'SUCCEEDED', nextState: 'After', output: '{"resourceType":"Patient","id":"p1"}' });
    expect(calls.map((c) => [c.resource, c.payload])).toEqual([[FN, { reference: 'Patient/p1' }]]);
    // Without task functions (and no mock), the Task fails as one that cannot be invoked.
    expect(await runTestState({ definition: task({}), input: '{}' })).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
  });

  it('.waitForTaskToken needs a mock (as on AWS), whose result is the callback output', async () => {
    const callback = JSON.stringify({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
      ResultPath: '$.review',
      End: true,
    });
    await expect(runTestState({ definition: callback, input: '{}' })).rejects.toMatchObject({ code: 'ValidationException' });
    expect(await runTestState({ definition: callback, input: '{"n":1}', mock: { result: '{"approved":true}' } })).toEqual({ status: 'SUCCEEDED', output: '{"n":1,"review":{"approved":true}}' });
    expect(await runTestState({ definition: callback, input: '{}', mock: { errorOutput: { error: 'HumanTask.Rejected' } } })).toMatchObject({ status: 'FAILED', error: 'HumanTask.Rejected' });
  });

  it('a lambda:invoke mock is the API response: its Payload is the function result', async () => {
    const invoke = JSON.stringify({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'f', 'Payload.$': '$' },
      ResultSelector: { 'body.$': '$.Payload' },
      End: true,
    });
    expect(await runTestState({ definition: invoke, input: '{}', mock: { result: '{"Payload":{"ok":true},"StatusCode":200}' } })).toEqual({ status: 'SUCCEEDED', output: '{"body":{"ok":true}}' });
  });

  it('JSONata Task states: Arguments and Output; DEBUG shows afterArguments and the result', async () => {
    const out = await runTestState({
      definition: JSON.stringify({
        Type: 'Task',
        QueryLanguage: 'JSONata',
        Resource: FN,
        Arguments: { reference: '{% $states.input.ref %}' },
        Output: { status: '{% $states.result.status %}' },
        End: true,
      }),
      input: '{"ref":"MedicationRequest/m1"}',
      mock: { result: '{"status":"stopped"}' },
      inspectionLevel: 'DEBUG',
    });
    expect(out).toEqual({
      status: 'SUCCEEDED',
      output: '{"status":"stopped"}',
      inspectionData: { input: '{"ref":"MedicationRequest/m1"}', afterArguments: '{"reference":"MedicationRequest/m1"}', result: '{"status":"stopped"}' },
    });
  });

  it('refuses a mock with both or neither of result and errorOutput, on a non-Task state, or a stateName not in the definition', async () => {
    await expect(runTestState({ definition: task({}), mock: { result: '{}', errorOutput: { error: 'X' } } })).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(runTestState({ definition: task({}), mock: {} })).rejects.toMatchObject({ code: 'ValidationException' });
    await expect(runTestState({ definition: JSON.stringify({ Type: 'Pass', End: true }), mock: { result: '{}' } })).rejects.toMatchObject({ code: 'ValidationException' });
    const machine = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Result: 1, Next: 'B' }, B: { Type: 'Pass', End: true } } });
    expect(await runTestState({ definition: machine, stateName: 'A', input: '{}' })).toEqual({ status: 'SUCCEEDED', nextState: 'B', output: '1' });
    await expect(runTestState({ definition: machine, stateName: 'Z' })).rejects.toMatchObject({ code: 'ValidationException' });
  });

  it('over the wire: the SDK sends mock and inspectionLevel, and the call is audited as returning data', async () => {
    const f = await startApiFixture();
    try {
      const out = await f.sfn().send(new TestStateCommand({ definition: task({ ResultPath: '$.r' }), roleArn: ROLE, input: '{"a":1}', mock: { result: '{"b":2}' }, inspectionLevel: 'DEBUG' }));
      expect(out).toMatchObject({ status: 'SUCCEEDED', nextState: 'After', output: '{"a":1,"r":{"b":2}}', inspectionData: { result: '{"b":2}', afterResultPath: '{"a":1,"r":{"b":2}}' } });
      expect(f.api.audit.list().find((a) => a.action === 'TestState')).toMatchObject({ kind: 'data', outcome: 'ok' });
    } finally {
      await f.close();
    }
  });
});
