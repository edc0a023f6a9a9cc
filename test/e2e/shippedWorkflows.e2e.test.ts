/**
 * One end-to-end promise per shipped workflow the demo does not already prove (demoScenario.e2e.test.ts
 * covers medication-reminders, reminder-delivery, cancel-reminders, cancel-reminders-on-delete and
 * nightly-overdue-tasks): the FHIR sandbox over HTTP, clinflow's real notification path, the
 * simulated clock. Each human-task transition of abnormal-lab is driven the way an EHR would: a
 * status update of the Task on the FHIR server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { createRuntime, type Runtime } from '../../cli/runtime/createRuntime';
import type { FhirResource } from '../../schemas/fhirPort';
import { SEED_POTASSIUM_CODING, TIMEZONE_EXTENSION_URL } from '../../sandbox/seedSynthetic';

const ROOT = join(__dirname, '..', '..');
const START = Date.UTC(2026, 3, 14, 13, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ON_CALL = 'Practitioner/on-call-nephrologist';

let runtime: Runtime;
let clock: SimulatedClock;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-shipped-'));
  clock = new SimulatedClock(START);
  runtime = await createRuntime({ dataDir: dir, workflowsDir: join(ROOT, 'workflows'), clock, sandbox: { seed: { seed: 11, patients: 2, at: START } } });
  await runtime.settle();
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
});

const fhir = () => runtime.ports.fhir;
const aboutOf = (c: FhirResource) => (c.about as { reference: string }[] | undefined)?.[0]?.reference;
const recipientOf = (c: FhirResource) => (c.recipient as { reference: string }[] | undefined)?.[0]?.reference;
const communicationsAbout = async (ref: string) => (await fhir().search('Communication', { _count: '200' }, { maxPages: 10 })).filter((c) => aboutOf(c) === ref);

async function setTaskStatus(task: string, status: string): Promise<void> {
  const current = await fhir().read(task);
  await fhir().update({ ...current, status, lastModified: new Date(clock.now()).toISOString() });
  await runtime.settle();
}

async function criticalPotassium(patient: string): Promise<string> {
  const obs = await fhir().create({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ ...SEED_POTASSIUM_CODING }] },
    subject: { reference: patient },
    valueQuantity: { value: 6.9, unit: 'mmol/L' },
  });
  await runtime.settle();
  return `Observation/${obs.id}`;
}

async function taskFor(observation: string): Promise<string> {
  const tasks = await fhir().search('Task', { focus: observation });
  expect(tasks).toHaveLength(1);
  return `Task/${tasks[0]!.id}`;
}

function abnormalLabErrors(): string[] {
  const d = runtime.deployments.find((x) => x.workflow === 'abnormal-lab')!;
  const errors: string[] = [];
  for (const e of runtime.engine.listExecutions({ stateMachineArn: d.stateMachineArn, maxResults: 100 }).executions as { executionArn: string }[]) {
    for (const h of runtime.engine.getExecutionHistory({ executionArn: e.executionArn, maxResults: 1000 }).events as Record<string, { error?: string } | undefined>[]) {
      for (const v of Object.values(h)) if (v && typeof v === 'object' && typeof v.error === 'string') errors.push(v.error);
    }
  }
  return errors;
}

describe('abnormal-lab on the sandbox', () => {
  it("fires on the sandbox's own seeded critical potassium, and accepted in time it does not escalate", async () => {
    const seed = runtime.sandbox!.seed!;
    const seeded = await fhir().read(seed.observations.at(-1)!);
    expect((seeded.valueQuantity as { value: number }).value).toBeGreaterThan(6);
    // The lab re-sends its result (as an amended report); the sandbox notifies clinflow.
    await fhir().update({ ...seeded, status: 'amended' });
    await runtime.settle();
    const observation = `Observation/${seeded.id}`;
    const task = await taskFor(observation);
    expect(await fhir().read(task)).toMatchObject({ status: 'requested', priority: 'stat', owner: { reference: 'CareTeam/renal-care-team' }, for: seeded.subject });
    await runtime.advanceTo(clock.now() + 20 * MINUTE);
    await setTaskStatus(task, 'accepted');
    await runtime.advanceTo(clock.now() + 3 * HOUR);
    expect((await communicationsAbout(observation)).filter((c) => recipientOf(c) === ON_CALL)).toEqual([]);
    expect((await fhir().read(task)).status).toBe('accepted');
  });

  it('rejected: the step fails with HumanTask.Rejected and the workflow escalates, naming it', async () => {
    const observation = await criticalPotassium(runtime.sandbox!.seed!.patients[0]!);
    const task = await taskFor(observation);
    await runtime.advanceTo(clock.now() + 5 * MINUTE);
    await setTaskStatus(task, 'rejected');
    const pages = (await communicationsAbout(observation)).filter((c) => recipientOf(c) === ON_CALL);
    expect(pages).toHaveLength(1);
    expect(JSON.stringify(pages[0]!.payload)).toContain('HumanTask.Rejected');
    expect(abnormalLabErrors()).toContain('HumanTask.Rejected');
  });

  it('timeout: the Task is cancelled with a reason, and the escalation names HumanTask.TimedOut', async () => {
    const observation = await criticalPotassium(runtime.sandbox!.seed!.patients[1]!);
    const task = await taskFor(observation);
    await runtime.advanceTo(clock.now() + 59 * MINUTE);
    expect((await communicationsAbout(observation)).filter((c) => recipientOf(c) === ON_CALL)).toEqual([]);
    await runtime.advanceTo(clock.now() + 2 * HOUR);
    expect(await fhir().read(task)).toMatchObject({ status: 'cancelled', statusReason: { text: 'not acknowledged in time (States.Timeout); the workflow stopped waiting' } });
    const pages = (await communicationsAbout(observation)).filter((c) => recipientOf(c) === ON_CALL);
    expect(pages).toHaveLength(1);
    expect(JSON.stringify(pages[0]!.payload)).toContain('HumanTask.TimedOut');
    // Nobody's late acceptance of the cancelled task resumes anything.
    await setTaskStatus(task, 'accepted');
    expect((await communicationsAbout(observation)).filter((c) => recipientOf(c) === ON_CALL)).toHaveLength(1);
  });
});

describe('discharge-follow-up on the sandbox', () => {
  it('two days after discharge messages the patient about the encounter, not before', async () => {
    const patient = runtime.sandbox!.seed!.patients[0]!;
    const enc = await fhir().create({
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: patient },
    });
    const encounter = `Encounter/${enc.id}`;
    await runtime.settle();
    await fhir().update({ ...(await fhir().read(encounter)), status: 'finished' });
    await runtime.settle();
    await runtime.advanceTo(clock.now() + 47 * HOUR);
    expect(await communicationsAbout(encounter)).toEqual([]);
    await runtime.advanceTo(clock.now() + 2 * HOUR);
    const sent = await communicationsAbout(encounter);
    expect(sent.map((c) => [recipientOf(c), c.status])).toEqual([[patient, 'completed']]);
  });
});

describe('replenish-reminders on the sandbox', () => {
  async function lastReminderAt(order: string): Promise<number> {
    let last = 0;
    let NextToken: string | undefined;
    do {
      const page = await runtime.scheduler.listSchedules({ GroupName: 'clinflow-reminders', MaxResults: 100, ...(NextToken ? { NextToken } : {}) });
      for (const s of page.Schedules ?? []) {
        const got = await runtime.scheduler.getSchedule({ Name: s.Name ?? '', GroupName: 'clinflow-reminders' });
        const at = /^at\((.+)\)$/.exec(got.ScheduleExpression ?? '')?.[1];
        if (at && (got.Target?.Input ?? '').includes(`"${order}"`)) last = Math.max(last, Date.parse(`${at}Z`));
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return last;
  }

  it('keeps an active order reminded beyond its first 72-hour horizon', async () => {
    const patient = await fhir().create({ resourceType: 'Patient', name: [{ family: 'Synthetic', given: ['Replenish'] }], extension: [{ url: TIMEZONE_EXTENSION_URL, valueCode: 'Europe/London' }] });
    const mr = await fhir().create({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${patient.id}` },
      medicationCodeableConcept: { text: 'Lisinopril 10 mg tablet' },
      authoredOn: new Date(clock.now()).toISOString(),
      dosageInstruction: [{ text: 'once daily', timing: { code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: 'QD' }] } } }],
    });
    const order = `MedicationRequest/${mr.id}`;
    await runtime.settle();
    const firstHorizon = await lastReminderAt(order);
    expect(firstHorizon).toBeGreaterThan(clock.now());
    expect(firstHorizon).toBeLessThanOrEqual(clock.now() + 72 * HOUR);
    await runtime.advanceTo(clock.now() + 4 * 24 * HOUR);
    expect(await lastReminderAt(order)).toBeGreaterThan(firstHorizon + 24 * HOUR);
    const reminders = (await communicationsAbout(order)).filter((c) => recipientOf(c) === `Patient/${patient.id}`);
    expect(reminders.length).toBeGreaterThanOrEqual(4);
  });
});
