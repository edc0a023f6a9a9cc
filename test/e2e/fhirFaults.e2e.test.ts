/**
 * Named FHIR errors end to end: a workflow's `retry:` rides out a 503 from the FHIR server, and its
 * `catch:` handles FHIR.NotFound by name. Real HTTP to the sandbox; faults injected there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { createRuntime, type Runtime } from '../../cli/runtime/createRuntime';

const WORKFLOW = `
workflow: read-with-fallback
version: 1
description: Read a resource; retry while the server is unavailable; handle a missing one by name.
steps:
  - id: patient
    call: fhir.read
    with:
      reference: "{% $event.reference %}"
    retry:
      on: [FHIR.Unavailable]
      attempts: 3
      interval: 2s
    catch:
      - on: [FHIR.NotFound]
        next: missing
  - id: found
    succeed:
      output:
        found: "{% $patient.id %}"
  - id: missing
    succeed:
      output:
        missing: "{% $event.reference %}"
`;

describe('FHIR errors by name, end to end', () => {
  let rt: Runtime;
  let dir: string;
  const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 12));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-faults-'));
    writeFileSync(join(dir, 'read-with-fallback.yaml'), WORKFLOW);
    rt = await createRuntime({ dataDir: ':memory:', workflowsDir: dir, clock, sandbox: { seed: { seed: 3, patients: 1 } } });
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, reference: string) {
    const arn = rt.deployments[0]!.stateMachineArn;
    const { executionArn } = await rt.engine.startExecution({ stateMachineArn: arn, name, input: JSON.stringify({ reference }) });
    await rt.advanceTo(clock.now() + 60_000);
    const result = rt.engine.describeExecution({ executionArn });
    const types = rt.engine.getExecutionHistory({ executionArn, maxResults: 1000 }).events.map((e) => e.type);
    return { result, types };
  }

  it('a 503 then 200 succeeds after a retry', async () => {
    const patient = rt.sandbox!.seed!.patients[0]!;
    rt.sandbox!.faults.failNext(1, { status: 503 });
    const { result, types } = await run('unavailable-once', patient);
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(result.output))).toEqual({ found: patient.split('/')[1] });
    expect(types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(1);
    expect(types.filter((t) => t === 'LambdaFunctionSucceeded')).toHaveLength(1);
    expect(rt.sandbox!.requests.filter((r) => r.path.endsWith(patient)).map((r) => r.status)).toEqual([503, 200]);
  });

  it('a 404 is caught by name and takes the catch path', async () => {
    const { result, types } = await run('not-found', 'Patient/does-not-exist');
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(result.output))).toEqual({ missing: 'Patient/does-not-exist' });
    expect(types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(1);
  });

  it('gives up after the retry budget with the error name a workflow can see', async () => {
    const patient = rt.sandbox!.seed!.patients[0]!;
    rt.sandbox!.faults.failNext(10, { status: 503 });
    const { result, types } = await run('unavailable-always', patient);
    rt.sandbox!.faults.clear();
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('FHIR.Unavailable');
    expect(types.filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(4);
  });
});
