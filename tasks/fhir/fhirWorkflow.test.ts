/**
 * The issue's bars at workflow level: the durable engine runs ASL Task states whose handlers call the
 * sandbox over HTTP. Retry/Catch are the engine's; idempotency and error names are the FHIR tasks'.
 */
import { openDatabase } from '../../core/db/openDatabase';
import { LAMBDA, machine, testEngine } from '../../engine/durable/engineFixture.testkit';
import { LocalTaskPort } from '../localTaskPort';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { captureLog } from '../../sandbox/captureLog';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { createTaskHandlers } from '../handlers';
import { createCallbackStore } from '../human/callbackStore';
import { createHttpFhirPort } from '../../core/fhir/createHttpFhirPort';

let sandbox: Sandbox;
const logs = captureLog();

beforeAll(async () => {
  sandbox = await startSandbox({ seed: { patients: 2 } });
});
afterAll(() => sandbox.close());

function setup() {
  const clock = new SimulatedClock(Date.UTC(2025, 2, 9, 12, 0, 0));
  const fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl });
  const tasks = new LocalTaskPort({ clock, ports: { fhir }, log: logs.log });
  const db = openDatabase(':memory:');
  for (const [name, handler] of createTaskHandlers({ callbacks: createCallbackStore(db) })) tasks.registerTask(name, handler);
  const { engine } = testEngine({ clock, tasks });
  return { engine, clock, fhir };
}

async function run(setupResult: ReturnType<typeof setup>, definition: string, input: unknown) {
  const { engine, clock } = setupResult;
  const { stateMachineArn } = engine.createStateMachine({ name: `m${Math.floor(Math.random() * 1e9)}`, definition });
  const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify(input) });
  for (let i = 0; i < 10 && engine.describeExecution({ executionArn }).status === 'RUNNING'; i++) {
    await engine.runUntilIdle();
    await engine.advanceTo(clock.now() + 5_000);
  }
  const d = engine.describeExecution({ executionArn });
  const types = engine.getExecutionHistory({ executionArn }).events.map((e) => e.type);
  return { status: d.status, output: d.output === undefined ? undefined : (JSON.parse(String(d.output)) as Record<string, unknown>), types };
}

const retryUnavailable = [{ ErrorEquals: ['FHIR.Unavailable'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }];

describe('FHIR tasks inside workflows (engine + sandbox over HTTP)', () => {
  it('a retried create writes once, even when the first response was lost after the write', async () => {
    const s = setup();
    const def = machine({
      Create: {
        Type: 'Task',
        Resource: LAMBDA('clinflow-fhir-create'),
        Parameters: { resource: { resourceType: 'Communication', status: 'completed', subject: { 'reference.$': '$.patient' } } },
        Retry: retryUnavailable,
        End: true,
      },
    });
    sandbox.faults.failNext(1, { status: 503, afterProcessing: true });
    const r = await run(s, def, { patient: 'Patient/pat-2' });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(1);
    const written = await s.fhir.search('Communication', { subject: 'Patient/pat-2' });
    expect(written).toHaveLength(1);
    expect(r.output).toMatchObject({ resourceType: 'Communication', id: written[0]!.id });
  });

  it('a 503 then 200 succeeds after the workflow retry', async () => {
    const s = setup();
    sandbox.faults.failNext(1, { status: 503, retryAfterSeconds: 1 });
    const def = machine({ Read: { Type: 'Task', Resource: LAMBDA('clinflow-fhir-read'), Parameters: { reference: 'Patient/pat-1' }, Retry: retryUnavailable, End: true } });
    const r = await run(s, def, {});
    expect(r.status).toBe('SUCCEEDED');
    expect(r.output).toMatchObject({ resourceType: 'Patient', id: 'pat-1' });
    expect(r.types).toContain('LambdaFunctionFailed');
  });

  it('a 404 is catchable by name (FHIR.NotFound)', async () => {
    const s = setup();
    const def = machine({
      Read: {
        Type: 'Task',
        Resource: LAMBDA('clinflow-fhir-read'),
        Parameters: { reference: 'Patient/no-such-patient' },
        Retry: retryUnavailable,
        Catch: [{ ErrorEquals: ['FHIR.NotFound'], ResultPath: '$.error', Next: 'Missing' }],
        Next: 'Found',
      },
      Found: { Type: 'Succeed' },
      Missing: { Type: 'Pass', Result: 'handled', ResultPath: '$.handled', End: true },
    });
    const r = await run(s, def, {});
    expect(r.status).toBe('SUCCEEDED');
    expect(r.output).toMatchObject({ handled: 'handled', error: { Error: 'FHIR.NotFound' } });
    expect(r.types).not.toContain('ExecutionFailed');
  });

  it('an uncaught FHIR error fails the execution with its name', async () => {
    const s = setup();
    const def = machine({ Read: { Type: 'Task', Resource: LAMBDA('clinflow-fhir-read'), Parameters: { reference: 'Patient/no-such-patient' }, End: true } });
    const { stateMachineArn } = s.engine.createStateMachine({ name: 'uncaught', definition: def });
    const { executionArn } = await s.engine.startExecution({ stateMachineArn, input: '{}' });
    await s.engine.runUntilIdle();
    const d = s.engine.describeExecution({ executionArn });
    expect(d.status).toBe('FAILED');
    expect(d.error).toBe('FHIR.NotFound');
  });

  it('logs from the whole run carry no PHI', () => {
    expect(logs.text()).not.toMatch(/PHIMARK|"family"|"given"/);
  });
});
