import { DateTime } from 'luxon';
import type { FhirResource } from '../../schemas/fhirPort';
import type { SimulatedClock } from '../../core/clock/simulatedClock';
import { potassiumObservation, TIMEZONE_EXTENSION_URL } from '../../sandbox/seedSynthetic';
import type { Runtime } from '../runtime/createRuntime';
import { runAppointmentSection, type DemoSection } from './appointmentSection';

export const DEMO_ZONE = 'America/New_York';
/** Friday 2026-03-06 10:00 in New York: the run crosses the start of daylight saving time (Sunday 03-08). */
export const DEMO_START = Date.UTC(2026, 2, 6, 15, 0, 0);
const HOUR = 3_600_000;

/** One critical potassium result and what became of its care-team Task. */
export interface AbnormalLabOutcome {
  label: string;
  observation: string;
  task: string | undefined;
  /** The Task's status at the end (accepted: acknowledged in time; cancelled: the workflow stopped waiting). */
  status: string;
  statusReason: string | undefined;
  /** Pages to the on-call clinician about this observation. */
  escalations: number;
}

export interface DemoSummary {
  patient: { reference: string; label: string };
  orders: { reference: string; label: string; timing: string; planned: number }[];
  reminders: { order: string; label: string; localTime: string }[];
  stopped: { order: string; label: string; schedulesBefore: number; schedulesAfter: number; sentAfterStop: number };
  deleted: { order: string; label: string; schedulesBefore: number; schedulesAfter: number; sentAfterDelete: number };
  abnormalLab: { accepted: AbnormalLabOutcome; unacknowledged: AbnormalLabOutcome };
  /** overdueFound: per run, in time order; reminded: reminders the job sent, with the Task each is about. */
  nightly: { runs: number; overdueFound: number[]; reminded: { recipient: string; task: string }[] };
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

function nightlyRuns(rt: Runtime): Omit<DemoSummary['nightly'], 'reminded'> {
  const d = rt.deployments.find((x) => x.workflow === 'nightly-overdue-tasks');
  if (!d) return { runs: 0, overdueFound: [] };
  const runs = (rt.engine.listExecutions({ stateMachineArn: d.stateMachineArn, maxResults: 1000 }).executions as { executionArn: string; startDate: Date }[]).sort(
    (x, y) => +x.startDate - +y.startDate,
  );
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

const aboutOf = (c: FhirResource): string => (c.about as { reference: string }[] | undefined)?.[0]?.reference ?? '';
const recipientOf = (c: FhirResource): string => (c.recipient as { reference: string }[] | undefined)?.[0]?.reference ?? '';
const ON_CALL = 'Practitioner/on-call-nephrologist';

/** "seeded order: <medicine> for <given family>", from the synthetic record; the reference when it cannot be read. */
async function orderLabel(fhir: Runtime['ports']['fhir'], reference: string): Promise<string> {
  try {
    const mr = await fhir.read(reference);
    const medicine = (mr.medicationCodeableConcept as { text?: string } | undefined)?.text ?? reference;
    const subject = (mr.subject as { reference?: string } | undefined)?.reference;
    const p = subject ? await fhir.read(subject) : undefined;
    const n = (p?.name as { family?: string; given?: string[] }[] | undefined)?.[0];
    return `seeded order: ${medicine}${n ? ` for ${[...(n.given ?? []), n.family ?? ''].join(' ').trim()}` : ''}`;
  } catch {
    return reference;
  }
}

/**
 * A critical potassium result (coded as the sandbox seeds it) for the patient. When `acceptAfterMinutes`
 * is given, a care-team member accepts the Task that long after it appears (as an EHR would: a
 * status update on the FHIR server); otherwise nobody does. Then two hours pass.
 */
async function criticalPotassium(rt: Runtime, clock: SimulatedClock, patient: string, label: string, acceptAfterMinutes?: number): Promise<AbnormalLabOutcome> {
  const fhir = rt.ports.fhir;
  const obs = await fhir.create(potassiumObservation(patient, 6.8, new Date(clock.now()).toISOString()));
  const observation = `Observation/${obs.id}`;
  await rt.settle();
  const task = (await fhir.search('Task', { focus: observation }))[0];
  const taskRef = task?.id ? `Task/${task.id}` : undefined;
  if (acceptAfterMinutes !== undefined && taskRef) {
    await rt.advanceTo(clock.now() + acceptAfterMinutes * 60_000);
    const current = await fhir.read(taskRef);
    await fhir.update({ ...current, status: 'accepted', lastModified: new Date(clock.now()).toISOString() });
    await rt.settle();
  }
  await rt.advanceTo(clock.now() + 2 * HOUR);
  const now = taskRef ? await fhir.read(taskRef) : undefined;
  const pages = (await fhir.search('Communication', { _count: '200' }, { maxPages: 10 })).filter((c) => recipientOf(c) === ON_CALL && aboutOf(c) === observation);
  return {
    label,
    observation,
    task: taskRef,
    status: String(now?.status ?? 'none'),
    statusReason: (now?.statusReason as { text?: string } | undefined)?.text,
    escalations: pages.length,
  };
}

/**
 * The scripted scenario of `clinflow demo` and of the end-to-end test. It acts as an EHR writing to
 * its FHIR server (the sandbox, over HTTP); everything after that happens through clinflow's real
 * path: notification → FHIR endpoint → bus → rule → workflow → tasks → FHIR and the scheduler.
 */
export async function runDemoScenario(rt: Runtime, clock: SimulatedClock, options: { patientName?: { family: string; given: string[] } } = {}): Promise<DemoSummary> {
  const fhir = rt.ports.fhir;
  await rt.settle();
  const name = options.patientName ?? { family: 'Synthetic', given: ['Demo'] };
  const patient = await fhir.create({
    resourceType: 'Patient',
    name: [name],
    extension: [{ url: TIMEZONE_EXTENSION_URL, valueCode: DEMO_ZONE }],
  });
  const patientRef = `Patient/${patient.id}`;
  const order = (code: string, text: string): FhirResource => ({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: patientRef },
    medicationCodeableConcept: { text },
    authoredOn: new Date(clock.now()).toISOString(),
    dosageInstruction: [{ text: `${text}, ${code}`, timing: { code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code }] } } }],
  });
  const specs = [
    { label: 'order A: Metformin 500 mg tablet, twice daily', timing: 'BID', text: 'Metformin 500 mg tablet' },
    { label: 'order B: Amoxicillin 500 mg capsule, three times daily', timing: 'TID', text: 'Amoxicillin 500 mg capsule' },
    { label: 'order C: Omeprazole 20 mg capsule, twice daily', timing: 'BID', text: 'Omeprazole 20 mg capsule' },
  ];
  const refs: string[] = [];
  for (const o of specs) refs.push(`MedicationRequest/${(await fhir.create(order(o.timing, o.text))).id}`);
  const [, refB, refC] = refs as [string, string, string];
  const labelOf = new Map(refs.map((r, i) => [r, specs[i]!.label]));
  await rt.settle();
  const planned = await Promise.all(refs.map((r) => schedulesFor(rt, r)));

  // A day and a half of reminders, across the night into Saturday.
  await rt.advanceTo(clock.now() + 30 * HOUR);
  const changedAt = clock.now();

  // The prescriber stops order B, and order C, entered by mistake, is deleted from the record.
  const current = await fhir.read(refB);
  await fhir.update({ ...current, status: 'stopped' });
  await fhir.delete!(refC);
  await rt.settle();
  const schedulesAfterStop = await schedulesFor(rt, refB);
  const schedulesAfterDelete = await schedulesFor(rt, refC);

  // Two critical potassium results: the care team accepts the first Task after 10 minutes; nobody acknowledges the second.
  const accepted = await criticalPotassium(rt, clock, patientRef, 'critical potassium #1 (accepted after 10 min)', 10);
  const unacknowledged = await criticalPotassium(rt, clock, patientRef, 'critical potassium #2 (nobody acknowledges)');

  // On to the end of the 72-hour horizon, past Sunday's DST change and the nightly job.
  await rt.advanceTo(DEMO_START + 72 * HOUR);

  const communications = await fhir.search('Communication', { _count: '200' }, { maxPages: 10 });
  const reminders = communications
    .filter((c) => aboutOf(c).startsWith('MedicationRequest/'))
    .map((c) => ({ order: aboutOf(c), sent: String(c.sent ?? '') }))
    .sort((x, y) => x.sent.localeCompare(y.sent));
  const reminded = communications
    .filter((c) => (c.topic as { text?: string } | undefined)?.text?.startsWith('Overdue task') && aboutOf(c).startsWith('Task/'))
    .map((c) => ({ recipient: recipientOf(c), task: aboutOf(c) }));
  // Orders the sandbox seeded (the CLI demo seeds a few synthetic patients) are named by medicine and patient.
  for (const r of reminders) if (!labelOf.has(r.order)) labelOf.set(r.order, await orderLabel(fhir, r.order));
  const sentAfter = (ref: string) => reminders.filter((r) => r.order === ref && Date.parse(r.sent) > changedAt).length;
  const executions = executionCounts(rt);
  return {
    patient: { reference: patientRef, label: `${name.given.join(' ')} ${name.family} (synthetic patient)` },
    orders: refs.map((r, i) => ({ reference: r, label: specs[i]!.label, timing: specs[i]!.timing, planned: planned[i]! })),
    reminders: reminders.map((r) => ({ order: r.order, label: labelOf.get(r.order) ?? r.order, localTime: DateTime.fromISO(r.sent, { zone: DEMO_ZONE }).toFormat('ccc yyyy-MM-dd HH:mm ZZZZ') })),
    stopped: { order: refB, label: labelOf.get(refB)!, schedulesBefore: planned[1]!, schedulesAfter: schedulesAfterStop, sentAfterStop: sentAfter(refB) },
    deleted: { order: refC, label: labelOf.get(refC)!, schedulesBefore: planned[2]!, schedulesAfter: schedulesAfterDelete, sentAfterDelete: sentAfter(refC) },
    abnormalLab: { accepted, unacknowledged },
    nightly: { ...nightlyRuns(rt), reminded },
    executions,
    sections: [await runAppointmentSection(rt, clock)],
  };
}

export function formatDemoSummary(s: DemoSummary): string {
  const lines = ['clinflow demo — synthetic data, simulated clock from Fri 2026-03-06 10:00 New York, 72 hours', ''];
  lines.push(`Patient: ${s.patient.label}`, '', 'Orders created:');
  for (const o of s.orders) lines.push(`  ${o.label}: ${o.planned} reminders planned for the next 72 h`);
  lines.push('', `Reminders sent (${s.reminders.length}), at the patient's local time:`);
  for (const r of s.reminders) lines.push(`  ${r.localTime}  ${r.label}`);
  lines.push('', `Stopped: ${s.stopped.label}: ${s.stopped.schedulesBefore} reminders planned, ${s.stopped.schedulesAfter} left after the stop; ${s.stopped.sentAfterStop} sent after it.`);
  lines.push(`Deleted: ${s.deleted.label}: ${s.deleted.schedulesBefore} reminders planned, ${s.deleted.schedulesAfter} left after the delete; ${s.deleted.sentAfterDelete} sent after it.`);
  lines.push('', 'Abnormal lab (care-team Task, 1 h to acknowledge):');
  for (const a of [s.abnormalLab.accepted, s.abnormalLab.unacknowledged]) {
    lines.push(`  ${a.label}: Task ${a.status}${a.statusReason ? ` (${a.statusReason})` : ''}; ${a.escalations} escalation(s) to the on-call clinician.`);
  }
  const found = s.nightly.overdueFound.join(', ') || 'none';
  lines.push(
    '',
    `Nightly overdue-task job: ${s.nightly.runs} run(s) at 02:00 London; overdue tasks found per run: ${found}; owners reminded: ${s.nightly.reminded.length}${s.nightly.reminded.length ? ` (${[...new Set(s.nightly.reminded.map((r) => r.recipient))].join(', ')})` : ''}.`,
  );
  lines.push('', 'Executions by workflow:');
  for (const [w, counts] of Object.entries(s.executions))
    lines.push(
      `  ${w.padEnd(26)} ${
        Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') || '-'
      }`,
    );
  for (const section of s.sections ?? []) lines.push('', ...section.lines);
  return lines.join('\n');
}
