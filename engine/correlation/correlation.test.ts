/**
 * Correlation keys on the local runtime: the real engine, bus and SQLite, a simulated clock. Three
 * workflows on the same kind of event, one per `onNewEvent`; two events for key A, one for key B.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../cli/runtime/createRuntime';
import { compile } from '../../compiler/compile';
import { cancelByKey, lookupByKey } from '../../tasks/correlation/correlate';
import { keyNamePrefix } from '../../tasks/correlation/correlationNames';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase } from '../../core/db/openDatabase';
import { CorrelationStore } from './correlationStore';
import { localCorrelationPort } from './localCorrelationPort';

const START = Date.UTC(2026, 2, 2, 9);
const MODES = ['replace', 'ignore', 'parallel'] as const;
const arnOf = (mode: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-corr-${mode}`;

function workflow(mode: string): string {
  return `workflow: corr-${mode}
version: 1
trigger:
  event: { source: [test.corr], detail-type: [Visit Changed] }
correlation:
  key: "Appointment/{% $event.detail.id %}"
  onNewEvent: ${mode}
steps:
  - id: pause
    wait: 1h
  - id: done
    set: { seen: "{% $event.detail.n %}" }
`;
}

describe('correlation keys on the local runtime', () => {
  let dir: string;
  let runtime: Runtime;
  const clock = new SimulatedClock(START);

  const put = (id: string, n: number) => runtime.bus.putEvents([{ Source: 'test.corr', DetailType: 'Visit Changed', Detail: JSON.stringify({ id, n }) }]);
  const inputOf = (executionArn: string): { detail: { n: number } } => {
    const input = runtime.engine.describeExecution({ executionArn }).input;
    return (typeof input === 'string' ? JSON.parse(input) : input) as { detail: { n: number } };
  };
  const keyed = (mode: string, key: string) =>
    runtime.engine
      .listExecutions({ stateMachineArn: arnOf(mode) })
      .executions.filter((e) => e.name.startsWith(keyNamePrefix(key)))
      .map((e) => ({ status: e.status, n: inputOf(e.executionArn).detail.n }))
      .sort((a, b) => a.n - b.n);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-corr-'));
    for (const m of MODES) writeFileSync(join(dir, `corr-${m}.yaml`), workflow(m));
    runtime = await createRuntime({ dataDir: ':memory:', workflowsDir: dir, clock, sandbox: false, fhirServer: { name: 'default', baseUrl: 'http://127.0.0.1:1/fhir' } });
    expect(runtime.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    await put('A', 1);
    await runtime.settle();
    clock.advance(60_000);
    await put('A', 2);
    await put('B', 3);
    await runtime.settle();
  }, 60_000);

  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('compiles the key into a claim state before the first step, after which the steps run', () => {
    const { artifact } = compile(workflow('replace'), 'corr-replace.yaml');
    expect(artifact?.definition).toMatchObject({
      StartAt: 'correlation.claim',
      States: {
        'correlation.claim': { Arguments: { key: '{% "Appointment/" & $string(($states.context.Execution.Input.detail.id)) %}', onNewEvent: 'replace' } },
        'correlation.check': { Choices: [{ Next: 'pause' }] },
      },
    });
    expect(artifact?.manifest.tasks).toContain('correlation.claim');
  });

  it('replace: the new event for the key stops the running execution and runs; another key is untouched', () => {
    expect(keyed('replace', 'Appointment/A')).toEqual([
      { status: 'ABORTED', n: 1 },
      { status: 'RUNNING', n: 2 },
    ]);
    expect(keyed('replace', 'Appointment/B')).toEqual([{ status: 'RUNNING', n: 3 }]);
    const stopped = runtime.engine.listExecutions({ stateMachineArn: arnOf('replace'), statusFilter: 'ABORTED' }).executions;
    expect(stopped.map((e) => runtime.engine.describeExecution({ executionArn: e.executionArn }).error)).toEqual(['Correlation.Replaced']);
    // The executions the rule started only dispatched to the keyed ones, and succeeded.
    const dispatchers = runtime.engine.listExecutions({ stateMachineArn: arnOf('replace') }).executions.filter((e) => !e.name.startsWith('ck-'));
    expect(dispatchers.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('ignore: the running execution keeps going and the new event ends at once', () => {
    expect(keyed('ignore', 'Appointment/A')).toEqual([
      { status: 'RUNNING', n: 1 },
      { status: 'SUCCEEDED', n: 2 },
    ]);
    expect(keyed('ignore', 'Appointment/B')).toEqual([{ status: 'RUNNING', n: 3 }]);
  });

  it('parallel: both run', () => {
    expect(keyed('parallel', 'Appointment/A')).toEqual([
      { status: 'RUNNING', n: 1 },
      { status: 'RUNNING', n: 2 },
    ]);
  });

  it('records the readable key on each keyed execution, searchable by key (what `executions list --key` calls)', () => {
    const rows = runtime.correlations.findByKey('Appointment/A');
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r.stateMachineArn))).toEqual(new Set(MODES.map(arnOf)));
    expect(runtime.correlations.findByKey('Appointment/A', arnOf('parallel')).map((r) => r.executionArn.split(':')[7]?.slice(0, 36))).toEqual([
      keyNamePrefix('Appointment/A'),
      keyNamePrefix('Appointment/A'),
    ]);
    const one = rows[0]!;
    expect(runtime.correlations.keyOf(one.executionArn)).toEqual(one);
    expect(runtime.correlations.findByKey('Appointment/nobody')).toEqual([]);
  });

  it('lookup and cancel by key through the port; the workflows still finish the rest', async () => {
    // lookup and cancel read the engine only; the store is written when a keyed execution starts.
    const port = localCorrelationPort(runtime.engine, new CorrelationStore(openDatabase(':memory:')), clock);
    const running = await lookupByKey(port, arnOf('parallel'), 'Appointment/A');
    expect(running).toHaveLength(2);
    expect(await cancelByKey(port, arnOf('parallel'), 'Appointment/A', 'appointment cancelled')).toEqual(running);
    expect(keyed('parallel', 'Appointment/A').map((e) => e.status)).toEqual(['ABORTED', 'ABORTED']);
    expect(await lookupByKey(port, arnOf('parallel'), 'Appointment/A')).toEqual([]);
    await runtime.advanceTo(clock.now() + 2 * 3_600_000);
    expect(keyed('replace', 'Appointment/A').map((e) => e.status)).toEqual(['ABORTED', 'SUCCEEDED']);
    expect(keyed('ignore', 'Appointment/A').map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  });
});
