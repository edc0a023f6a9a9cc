/**
 * The ops commands against a whole local runtime (the shipped workflows, the FHIR sandbox over HTTP,
 * the AWS APIs on the trigger server, signed with the keys `dev` generates into the data directory),
 * run in-process exactly as typed: find an order's and an appointment's runs by key, show a patient's
 * pending reminders in their local time, and complete or end human tasks on the FHIR server, each
 * resuming the waiting execution and leaving an audit row. Synthetic patients only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { attachApi, type AttachedApi } from '../../api/attachApi';
import { jsonOut, runCli } from '../../cli/commands/ops/runCli.testkit';
import { createRuntime, type Runtime } from '../../cli/runtime/createRuntime';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import type { FhirResource } from '../../schemas/fhirPort';
import { SEED_POTASSIUM_CODING, TIMEZONE_EXTENSION_URL } from '../../sandbox/seedSynthetic';
import { keyNamePrefix } from '../../tasks/correlation/correlationNames';

const ROOT = join(__dirname, '..', '..');
const START = Date.UTC(2026, 3, 14, 13, 0, 0);

let runtime: Runtime;
let attached: AttachedApi;
let dir: string;
const clock = new SimulatedClock(START);
const fhir = () => runtime.ports.fhir;

/** Runs `clinflow …` in-process against this runtime; stdout and stderr captured. */
function cli(...args: string[]): ReturnType<typeof runCli> {
  return runCli([...args, '--data-dir', dir, ...(args[0] === 'audit' ? [] : ['--endpoint', runtime.urls.triggers])]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-ops-e2e-'));
  runtime = await createRuntime({ dataDir: dir, workflowsDir: join(ROOT, 'workflows'), clock, sandbox: { seed: false } });
  // No CLINFLOW_* keys in the environment: the API generates <dir>/credentials, which the CLI signs with.
  attached = attachApi(runtime.triggers.server, { engine: runtime.engine, bus: runtime.bus, scheduler: runtime.scheduler, dataDir: dir, env: {} });
  expect(attached.credentials.generated).toBe(true);
}, 60_000);

afterAll(async () => {
  attached?.detach();
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('executions list --key and reminders list --patient', () => {
  let patient: FhirResource;
  let order: string;

  beforeAll(async () => {
    patient = await fhir().create({ resourceType: 'Patient', name: [{ family: 'Synthetic', given: ['Opsperson'] }], extension: [{ url: TIMEZONE_EXTENSION_URL, valueCode: 'America/Chicago' }] });
    const mr = await fhir().create({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${patient.id}` },
      medicationCodeableConcept: { text: 'Lisinopril 10 mg tablet' },
      authoredOn: new Date(clock.now()).toISOString(),
      dosageInstruction: [{ text: 'once daily', timing: { code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: 'QD' }] } } }],
    });
    order = `MedicationRequest/${mr.id}`;
    await runtime.settle();
  }, 60_000);

  it("reminders list --patient shows the order's pending reminders in the patient's local time", async () => {
    const r = await cli('reminders', 'list', '--patient', `Patient/${patient.id}`, '--fhir-url', runtime.urls.fhir, '--json');
    expect(r.code).toBe(0);
    const rows = jsonOut<{ order: string; localTime: string; timeZone: string; at: string; state: string }[]>(r.out);
    // Once daily over a 72-hour horizon: three slots, all ahead of now.
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toMatchObject({ order, timeZone: 'America/Chicago', state: 'ENABLED' });
      expect(Date.parse(row.at)).toBeGreaterThan(clock.now());
      expect(row.localTime).toBe(DateTime.fromISO(row.at, { zone: 'utc' }).setZone('America/Chicago').toFormat('yyyy-MM-dd HH:mm ZZZZ'));
      expect(row.localTime).toMatch(/ CDT$/);
    }
    // The same local time every day, five hours behind UTC in April (CDT).
    expect(new Set(rows.map((x) => x.localTime.slice(11, 16))).size).toBe(1);
    expect((new Date(rows[0]!.at).getUTCHours() - Number(rows[0]!.localTime.slice(11, 13)) + 24) % 24).toBe(5);
    const table = await cli('reminders', 'list', '--order', order);
    expect(table.out).toMatch(/ORDER\s+SLOT\s+LOCALTIME\s+STATE\s+SCHEDULE/);
    expect(table.out.split('\n').filter((l) => l.startsWith(order))).toHaveLength(3);
  });

  it('executions list --key MedicationRequest/<id> finds the run the order started and the reminders it delivered', async () => {
    // Past the first slot: the reminder-delivery run for it starts.
    await runtime.advanceTo(clock.now() + 26 * 3_600_000);
    const r = await cli('executions', 'list', '--key', order, '--json');
    expect(r.code).toBe(0);
    const found = jsonOut<{ stateMachineArn: string; status: string }[]>(r.out).map((e) => [e.stateMachineArn.split(':')[6], e.status]);
    expect(found.filter(([wf]) => wf === 'clinflow-medication-reminders')).toEqual([['clinflow-medication-reminders', 'SUCCEEDED']]);
    expect(found.filter(([wf]) => wf === 'clinflow-reminder-delivery').length).toBeGreaterThanOrEqual(1);
    expect(found.every(([wf]) => wf === 'clinflow-medication-reminders' || wf === 'clinflow-reminder-delivery' || wf === 'clinflow-replenish-reminders')).toBe(true);
    // Another order's key finds none of them.
    const other = await cli('executions', 'list', '--key', 'MedicationRequest/not-this-one', '--json');
    expect(jsonOut<unknown[]>(other.out)).toEqual([]);
  }, 60_000);

  it('executions list --key Appointment/<id> finds the keyed run (correlation index) and its dispatcher', async () => {
    const start = new Date(clock.now() + 3 * 86_400_000).toISOString();
    const appt = await fhir().create({
      resourceType: 'Appointment',
      status: 'booked',
      start,
      end: new Date(Date.parse(start) + 1_800_000).toISOString(),
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'accepted' }],
    });
    await runtime.settle();
    const key = `Appointment/${appt.id}`;
    expect(runtime.correlations.findByKey(key)).toHaveLength(1);
    const r = await cli('executions', 'list', '--key', key, '--workflow', 'appointment-reminders', '--json');
    const names = jsonOut<{ name: string; status: string }[]>(r.out);
    expect(names).toHaveLength(2);
    const keyed = names.filter((e) => e.name.startsWith(keyNamePrefix(key)));
    expect(keyed).toEqual([expect.objectContaining({ status: 'RUNNING' })]);
    expect(runtime.correlations.findByKey(key)[0]?.executionArn.endsWith(`:${keyed[0]!.name}`)).toBe(true);
  }, 60_000);
});

describe('tasks complete|fail on the FHIR server', () => {
  async function waitingTask(): Promise<{ task: string; execution: string }> {
    const p = await fhir().create({ resourceType: 'Patient', name: [{ family: 'Synthetic', given: ['Taskperson'] }] });
    const obs = await fhir().create({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ ...SEED_POTASSIUM_CODING }] },
      subject: { reference: `Patient/${p.id}` },
      valueQuantity: { value: 6.8, unit: 'mmol/L' },
    });
    await runtime.settle();
    const tasks = await fhir().search('Task', { focus: `Observation/${obs.id}` });
    expect(tasks).toHaveLength(1);
    const task = `Task/${tasks[0]!.id}`;
    const listed = jsonOut<{ fhirTask?: string; executionArn: string; workflow: string; deadline?: string }[]>((await cli('tasks', 'list', '--json')).out).find((t) => t.fhirTask === task);
    expect(listed).toMatchObject({ workflow: 'clinflow-abnormal-lab' });
    expect(listed?.deadline).toBeDefined();
    return { task, execution: listed!.executionArn };
  }

  it('complete: the FHIR Task becomes completed with its output, the execution resumes with it, and both are audited', async () => {
    const { task, execution } = await waitingTask();
    const r = await cli('tasks', 'complete', task, '--output', '{"reviewedBy":"Practitioner/p1","potassiumRechecked":true}');
    expect(r).toMatchObject({ code: 0, out: `completed ${task}\n` });
    const onServer = await fhir().read(task);
    expect(onServer.status).toBe('completed');
    expect(onServer.output).toEqual([
      { type: { text: 'reviewedBy' }, valueString: 'Practitioner/p1' },
      { type: { text: 'potassiumRechecked' }, valueBoolean: true },
    ]);
    expect((onServer.executionPeriod as { end?: string }).end).toBeDefined();
    await runtime.settle();
    const d = runtime.engine.describeExecution({ executionArn: execution });
    expect(d.status).toBe('SUCCEEDED');
    const history = runtime.engine.getExecutionHistory({ executionArn: execution, maxResults: 1000 }).events;
    const succeeded = history.find((e) => e.type === 'TaskSucceeded');
    expect(JSON.parse((succeeded?.taskSucceededEventDetails as { output: string }).output)).toEqual({ task, status: 'completed', output: { reviewedBy: 'Practitioner/p1', potassiumRechecked: true } });
    // Nothing waits any more: a second completion is refused clearly, and loses nothing.
    const again = await cli('tasks', 'complete', task);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`no execution is waiting on ${task}`);
    const audit = jsonOut<{ action: string; outcome: string; resource: string; kind: string }[]>((await cli('audit', 'list', '--json')).out);
    expect(audit.filter((a) => a.resource === task).map((a) => [a.action, a.outcome])).toEqual([
      ['CompleteHumanTask', 'Refused'],
      ['CompleteHumanTask', 'ok'],
    ]);
    expect(audit.find((a) => a.action === 'SendTaskSuccess' && a.resource === execution)).toMatchObject({ kind: 'change', outcome: 'ok' });
    expect((await cli('audit', 'verify')).code).toBe(0);
  }, 120_000);

  it("refuses a transition FHIR's Task state machine does not allow, keeps the execution waiting, then cancels it", async () => {
    const { task, execution } = await waitingTask();
    const held = await fhir().read(task);
    await fhir().update({ ...held, status: 'on-hold' });
    await runtime.settle();
    const refused = await cli('tasks', 'complete', task);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('Task status on-hold cannot become completed');
    expect(refused.err).toContain('resume it (in-progress) first');
    expect((await fhir().read(task)).status).toBe('on-hold');
    expect(runtime.engine.describeExecution({ executionArn: execution }).status).toBe('RUNNING');
    // The token was given back: the task is still listed as waiting.
    expect(jsonOut<{ fhirTask?: string }[]>((await cli('tasks', 'list', '--json')).out).some((t) => t.fhirTask === task)).toBe(true);

    const cancelled = await cli('tasks', 'fail', task, '--status', 'cancelled', '--reason', 'duplicate result');
    expect(cancelled).toMatchObject({ code: 0, out: `cancelled ${task} (HumanTask.Cancelled)\n` });
    const onServer = await fhir().read(task);
    expect(onServer).toMatchObject({ status: 'cancelled', statusReason: { text: 'duplicate result' } });
    await runtime.settle();
    const history = runtime.engine.getExecutionHistory({ executionArn: execution, maxResults: 1000 }).events;
    expect(history.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({ error: 'HumanTask.Cancelled' });
    // abnormal-lab catches it and escalates.
    expect(history.some((e) => e.type === 'TaskStateEntered' && (e.stateEnteredEventDetails as { name: string }).name === 'escalate')).toBe(true);
  }, 120_000);
});
