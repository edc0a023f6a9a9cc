/**
 * appointment-reminders end to end: an EHR writes Appointments to the FHIR sandbox over HTTP, the
 * sandbox notifies clinflow, and the reminders go out on a simulated clock across Europe's spring
 * daylight-saving change (Sunday 29 March 2026, 02:00 CET → 03:00 CEST). Synthetic patients only.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../cli/runtime/createRuntime';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { keyNamePrefix } from '../../tasks/correlation/correlationNames';

const ROOT = join(__dirname, '..', '..');
const START = Date.parse('2026-03-26T09:00:00Z'); // Thursday
const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-appointment-reminders';
type Resource = { resourceType: string; id?: string; [k: string]: unknown };

describe('appointment-reminders on the sandbox', () => {
  let dir: string;
  let runtime: Runtime;
  const clock = new SimulatedClock(START);

  const fhir = async (method: string, path: string, body?: Resource): Promise<Resource> => {
    const res = await fetch(`${runtime.urls.fhir}/${path}`, { method, headers: { 'content-type': 'application/fhir+json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Resource;
  };
  const appointment = (patient: string, start: string, status = 'booked'): Resource => ({
    resourceType: 'Appointment',
    status,
    start,
    end: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
    participant: [{ actor: { reference: patient }, status: 'accepted' }],
  });
  const remindersFor = async (appt: Resource) => {
    const bundle = (await fhir('GET', 'Communication?_count=200')) as { entry?: { resource: Resource }[] };
    return (bundle.entry ?? [])
      .map((e) => e.resource)
      .filter((c) => (c.about as { reference: string }[] | undefined)?.[0]?.reference === `Appointment/${appt.id}`)
      .map((c) => ({ sent: c.sent as string, status: c.status as string, body: (c.payload as { contentString: string }[])[0]?.contentString ?? '' }))
      .sort((a, b) => a.sent.localeCompare(b.sent));
  };
  const keyed = (appt: Resource) => runtime.engine.listExecutions({ stateMachineArn: MACHINE }).executions.filter((e) => e.name.startsWith(keyNamePrefix(`Appointment/${appt.id}`)));

  let berlin: Resource;
  let booked: Resource;
  let moved: Resource;
  let cancelled: Resource;
  let pending: Resource;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-appt-'));
    copyFileSync(join(ROOT, 'workflows', 'appointment-reminders.yaml'), join(dir, 'appointment-reminders.yaml'));
    runtime = await createRuntime({ dataDir: join(dir, 'data'), workflowsDir: dir, clock, sandbox: { seed: false } });
    expect(runtime.diagnostics).toEqual([]);
    berlin = await fhir('POST', 'Patient', {
      resourceType: 'Patient',
      name: [{ family: 'Synthetic-Appt', given: ['Testperson'] }],
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/tz-code', valueCode: 'Europe/Berlin' }],
      communication: [{ preferred: true, language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'de' }] } }],
    });
    const patient = `Patient/${berlin.id}`;
    // Sunday 29 March 10:30 CEST, the first day of summer time.
    booked = await fhir('POST', 'Appointment', appointment(patient, '2026-03-29T08:30:00Z'));
    // Monday 30 March 14:00 CEST, moved on Thursday to Tuesday 31 March 09:00 CEST.
    moved = await fhir('POST', 'Appointment', appointment(patient, '2026-03-30T12:00:00Z'));
    // Saturday 28 March 15:00 CET, cancelled on Thursday.
    cancelled = await fhir('POST', 'Appointment', appointment(patient, '2026-03-28T14:00:00Z'));
    pending = await fhir('POST', 'Appointment', appointment(patient, '2026-03-28T16:00:00Z', 'pending'));
    await runtime.settle();
    await runtime.advanceTo(Date.parse('2026-03-26T12:00:00Z'));
    await fhir('PUT', `Appointment/${moved.id}`, { ...moved, start: '2026-03-31T07:00:00Z', end: '2026-03-31T07:30:00Z' });
    await fhir('PUT', `Appointment/${cancelled.id}`, { ...cancelled, status: 'cancelled', cancelationReason: { text: 'patient request' } });
    await runtime.settle();
  }, 120_000);

  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('before anything is due: one waiting run per booked appointment, none for the cancelled or pending one', () => {
    expect(keyed(booked).map((e) => e.status)).toEqual(['RUNNING']);
    // Newest first: the run for the move is waiting, the original one was stopped.
    expect(keyed(moved).map((e) => e.status)).toEqual(['RUNNING', 'ABORTED']);
    expect(runtime.engine.describeExecution({ executionArn: keyed(moved)[1]!.executionArn }).error).toBe('Correlation.Replaced');
    expect(keyed(cancelled).map((e) => e.status)).toEqual(['SUCCEEDED', 'ABORTED']);
    expect(keyed(pending).map((e) => e.status)).toEqual(['SUCCEEDED']);
    expect(runtime.correlations.findByKey(`Appointment/${moved.id}`)).toHaveLength(2);
  });

  it('booked: reminders the day before at the same local time and two hours before, across the DST change, shown in the patient zone and language', async () => {
    await runtime.advanceTo(Date.parse('2026-04-01T12:00:00Z'));
    const sent = await remindersFor(booked);
    // Saturday 10:30 CET = 09:30Z (23 hours before, as Sunday is one hour short); Sunday 08:30 CEST = 06:30Z.
    expect(sent.map((s) => [s.sent, s.status])).toEqual([
      ['2026-03-28T09:30:00.000Z', 'completed'],
      ['2026-03-29T06:30:00.000Z', 'completed'],
    ]);
    for (const s of sent) expect(s.body).toContain('Sonntag, 29. März 2026 um 10:30');
    expect(sent[0]!.body).toMatch(/^Reminder: you have an appointment tomorrow, /);
    expect(sent[1]!.body).toMatch(/^Reminder: your appointment is in two hours, /);
    expect(keyed(booked).map((e) => e.status)).toEqual(['SUCCEEDED']);
  });

  it('moved: nothing at the old times, the two new reminders at the new ones', async () => {
    const sent = await remindersFor(moved);
    expect(sent.map((s) => s.sent)).toEqual(['2026-03-30T07:00:00.000Z', '2026-03-31T05:00:00.000Z']);
    for (const s of sent) expect(s.body).toContain('Dienstag, 31. März 2026 um 09:00');
  });

  it('cancelled or pending: no reminder at all', async () => {
    expect(await remindersFor(cancelled)).toEqual([]);
    expect(await remindersFor(pending)).toEqual([]);
  });

  it('no message that went out shows a value that did not render', async () => {
    const all = [...(await remindersFor(booked)), ...(await remindersFor(moved))];
    expect(all).toHaveLength(4);
    for (const s of all) expect(s.body).not.toMatch(/NaN|undefined|null|\{%|\[object/);
  });
});
