/**
 * The message that reached a patient live — "your appointment is tomorrow at NaN:NaN", from
 * `$fromMillis(ms, '[H01]:[m01]', zone)` with an IANA zone where jsonata wants an offset — run
 * through the whole local runtime: the step fails with Notify.InvalidMessage, nothing is sent and
 * no Communication is written. (A literal zone is caught earlier, by validate; here it comes from data.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../cli/runtime/createRuntime';
import { SimulatedClock } from '../../core/clock/simulatedClock';

const WORKFLOW = `workflow: nan-reminder
version: 1
trigger:
  event: { source: [test.appointments], detail-type: [Appointment Reminder Due] }
steps:
  - id: remind
    call: notify.send
    with:
      recipient: "{% $event.detail.patient %}"
      body: "Your appointment is tomorrow at {% $fromMillis($event.detail.ms, '[H01]:[m01]', $event.detail.zone) %}"
`;

describe('a reminder whose time renders NaN is not sent', () => {
  let dir: string;
  let runtime: Runtime;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-nan-'));
    writeFileSync(join(dir, 'nan-reminder.yaml'), WORKFLOW);
    runtime = await createRuntime({ dataDir: ':memory:', workflowsDir: dir, clock: new SimulatedClock(Date.UTC(2026, 2, 28, 9)), sandbox: { seed: false } });
    expect(runtime.diagnostics).toEqual([]);
  }, 60_000);

  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the step with Notify.InvalidMessage and a clinician-safe cause; no delivery, no Communication', async () => {
    await runtime.bus.putEvents([
      { Source: 'test.appointments', DetailType: 'Appointment Reminder Due', Detail: JSON.stringify({ patient: 'Patient/synthetic-1', ms: Date.UTC(2026, 2, 29, 8, 30), zone: 'Europe/Berlin' }) },
    ]);
    await runtime.settle();
    const [run] = runtime.engine.listExecutions({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-nan-reminder' }).executions;
    const described = runtime.engine.describeExecution({ executionArn: run!.executionArn });
    expect(described).toMatchObject({ status: 'FAILED', error: 'Notify.InvalidMessage' });
    expect(String(described.cause)).toContain("'NaN'");
    expect(String(described.cause)).not.toContain('appointment is tomorrow');
    expect(runtime.dev.sent).toEqual([]);
    const res = await fetch(`${runtime.urls.fhir}/Communication`);
    expect(((await res.json()) as { entry?: unknown[] }).entry ?? []).toEqual([]);
  });
});
