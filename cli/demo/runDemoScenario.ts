import { DateTime } from 'luxon';
import type { FhirResource } from '../../schemas/fhirPort';
import type { SimulatedClock } from '../../engine/clock/simulatedClock';
import { TIMEZONE_EXTENSION_URL } from '../../sandbox/seedSynthetic';
import type { Runtime } from '../runtime/createRuntime';
import { runAppointmentSection, type DemoSection } from './appointmentSection';

export const DEMO_ZONE = 'America/New_York';
/** Friday 2026-03-06 10:00 in New York: the run crosses the start of daylight saving time (Sunday 03-08). */
export const DEMO_START = Date.UTC(2026, 2, 6, 15, 0, 0);
const HOUR = 3_600_000;

export interface DemoSummary {
  orders: { reference: string; timing: string; planned: number }[];
  reminders: { order: string; localTime: string }[];
  stopped: { order: string; schedulesBefore: number; schedulesAfter: number; sentAfterStop: number };
  abnormalLab: { observation: string; task: string | undefined; status: string; escalations: number };
  nightly: { runs: number; overdueFound: number[] };
  executions: Record<string, Record<string, number>>;
  sections?: DemoSection[];
}

async function schedulesFor(rt: Runtime, order: string): Promise<number> {
  let n = 0;
  let NextToken: string | undefined;
  do {
    const page = await rt.scheduler.listSchedules({ GroupName: 'clinflow-reminders', MaxResults: 100, ...(NextToken ? { NextToken } : {}) });
    for (const s of page.Schedules ?? []) {
      const got = await rt.scheduler.getSchedule({ Name: s.Name ?? '', GroupName: 'clinflow-reminders' });
      if ((got.Target?.Input ?? '').includes(`"${order}"`)) n++;
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return n;
}

function nightlyRuns(rt: Runtime): DemoSummary['nightly'] {
  const d = rt.deployments.find((x) => x.workflow === 'nightly-overdue-tasks');
  if (!d) return { runs: 0, overdueFound: [] };
  const runs = (rt.engine.listExecutions({ stateMachineArn: d.stateMachineArn, maxResults: 1000 }).executions as { executionArn: string; startDate: Date }[]).sort((x, y) => +x.startDate - +y.startDate);
  const overdueFound = runs.map((e) => {
    const out = rt.engine.describeExecution({ executionArn: e.executionArn }).output;
    return typeof out === 'string' ? Number((JSON.parse(out) as { overdue?: number }).overdue ?? 0) : 0;
  });
  return { runs: runs.length, overdueFound };
}

function executionCounts(rt: Runtime): DemoSummary['executions'] {
  const out: DemoSummary['executions'] = {};
  for (const d of rt.deployments) {
    const counts: Record<string, number> = {};
    for (const e of rt.engine.listExecutions({ stateMachineArn: d.stateMachineArn, maxResults: 1000 }).executions as { status: string }[]) counts[e.status] = (counts[e.status] ?? 0) + 1;
    out[d.workflow] = counts;
  }
  return out;
}

/**
 * The scripted scenario of `clinflow demo` and of the end-to-end test. It acts as an EHR writing to
 * its FHIR server (the sandbox, over HTTP); everything after that happens through clinflow's real
 * path: notification → FHIR endpoint → bus → rule → workflow → tasks → FHIR and the scheduler.
 */
export async function runDemoScenario(rt: Runtime, clock: SimulatedClock, options: { patientName?: { family: string; given: string[] } } = {}): Promise<DemoSummary> {
  const fhir = rt.ports.fhir;
  await rt.settle();
  const patient = await fhir.create({
    resourceType: 'Patient',
    name: [options.patientName ?? { family: 'Synthetic', given: ['Demo'] }],
    extension: [{ url: TIMEZONE_EXTENSION_URL, valueCode: DEMO_ZONE }],
  });
  const order = (code: string, text: string): FhirResource => ({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patient.id}` },
    medicationCodeableConcept: { text },
    authoredOn: new Date(clock.now()).toISOString(),
    dosageInstruction: [{ text: `${text}, ${code}`, timing: { code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code }] } } }],
  });
  const a = await fhir.create(order('BID', 'Metformin 500 mg tablet'));
  const b = await fhir.create(order('TID', 'Amoxicillin 500 mg capsule'));
  const refA = `MedicationRequest/${a.id}`;
  const refB = `MedicationRequest/${b.id}`;
  await rt.settle();
  const plannedA = await schedulesFor(rt, refA);
  const plannedB = await schedulesFor(rt, refB);

  // A day and a half of reminders, across the night into Saturday.
  await rt.advanceTo(clock.now() + 30 * HOUR);

  // The prescriber stops order B.
  const current = await fhir.read(refB);
  await fhir.update({ ...current, status: 'stopped' });
  await rt.settle();
  const schedulesAfterStop = await schedulesFor(rt, refB);

  // A critical potassium result for the patient; nobody acknowledges the care-team task.
  const obs = await fhir.create({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '6298-4', display: 'Potassium [Moles/volume] in Blood' }] },
    subject: { reference: `Patient/${patient.id}` },
    valueQuantity: { value: 6.8, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
  });
  await rt.settle();
  const tasks = await fhir.search('Task', { focus: `Observation/${obs.id}` });
  await rt.advanceTo(clock.now() + 2 * HOUR);
  const escalations = rt.dev.sent.filter((s) => s.recipient === 'Practitioner/on-call-nephrologist').length;
  const task = tasks[0];
  const taskNow = task?.id ? await fhir.read(`Task/${task.id}`) : undefined;

  // On to the end of the 72-hour horizon, past Sunday's DST change and the nightly job.
  await rt.advanceTo(DEMO_START + 72 * HOUR);

  const communications = await fhir.search('Communication', { _count: '200' }, { maxPages: 10 });
  const reminders = communications
    .filter((c) => JSON.stringify(c.about ?? []).includes('MedicationRequest/'))
    .map((c) => ({ order: ((c.about as { reference: string }[] | undefined)?.[0]?.reference ?? ''), sent: String(c.sent ?? '') }))
    .sort((x, y) => x.sent.localeCompare(y.sent));
  const stopAt = DEMO_START + 30 * HOUR;
  const executions = executionCounts(rt);
  return {
    orders: [
      { reference: refA, timing: 'BID', planned: plannedA },
      { reference: refB, timing: 'TID', planned: plannedB },
    ],
    reminders: reminders.map((r) => ({ order: r.order, localTime: DateTime.fromISO(r.sent, { zone: DEMO_ZONE }).toFormat("ccc yyyy-MM-dd HH:mm ZZZZ") })),
    stopped: {
      order: refB,
      schedulesBefore: plannedB,
      schedulesAfter: schedulesAfterStop,
      sentAfterStop: reminders.filter((r) => r.order === refB && Date.parse(r.sent) > stopAt).length,
    },
    abnormalLab: { observation: `Observation/${obs.id}`, task: task?.id ? `Task/${task.id}` : undefined, status: String(taskNow?.status ?? 'none'), escalations },
    nightly: nightlyRuns(rt),
    executions,
    sections: [await runAppointmentSection(rt, clock)],
  };
}

export function formatDemoSummary(s: DemoSummary): string {
  const lines = ['clinflow demo — synthetic data, simulated clock from Fri 2026-03-06 10:00 New York, 72 hours', ''];
  lines.push('Orders created:');
  for (const o of s.orders) lines.push(`  ${o.reference}  ${o.timing}  ${o.planned} reminders planned for the next 72 h`);
  lines.push('', `Reminders sent (${s.reminders.length}), at the patient's local time:`);
  for (const r of s.reminders) lines.push(`  ${r.localTime}  ${r.order}`);
  lines.push('', `Order stopped: ${s.stopped.order}: ${s.stopped.schedulesBefore} schedules before, ${s.stopped.schedulesAfter} left after the stop; ${s.stopped.sentAfterStop} reminders sent after it.`);
  lines.push(`Abnormal lab: ${s.abnormalLab.observation} → care-team ${s.abnormalLab.task ?? '(no task)'} (${s.abnormalLab.status}), not acknowledged → ${s.abnormalLab.escalations} escalation(s) to the on-call clinician.`);
  lines.push(`Nightly overdue-task job: ${s.nightly.runs} run(s) at 02:00 London; overdue tasks found and their owners reminded: ${s.nightly.overdueFound.join(', ') || 'none'}.`);
  lines.push('', 'Executions by workflow:');
  for (const [w, counts] of Object.entries(s.executions)) lines.push(`  ${w.padEnd(24)} ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') || '-'}`);
  for (const section of s.sections ?? []) lines.push('', ...section.lines);
  return lines.join('\n');
}
