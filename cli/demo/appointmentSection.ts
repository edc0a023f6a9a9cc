import { DateTime } from 'luxon';
import type { SimulatedClock } from '../../core/clock/simulatedClock';
import { TIMEZONE_EXTENSION_URL } from '../../sandbox/seedSynthetic';
import { keyNamePrefix } from '../../tasks/correlation/correlationNames';
import type { Runtime } from '../runtime/createRuntime';

/** A part of the demo with its own lines and its own broken promises (any problem fails the demo). */
export interface DemoSection {
  title: string;
  lines: string[];
  problems: string[];
}

const ZONE = 'America/New_York';
const HOUR = 3_600_000;
const MACHINE = 'clinflow-appointment-reminders';

/**
 * appointment-reminders in the demo: two appointments two days ahead for a synthetic patient; one is
 * cancelled at once. The kept one gets its two reminders at the patient's local times; the
 * cancelled one's waiting reminders are removed (its run stopped by the correlation key) and
 * nothing is sent for it.
 */
export async function runAppointmentSection(rt: Runtime, clock: SimulatedClock): Promise<DemoSection> {
  const problems: string[] = [];
  const deployment = rt.deployments.find((d) => d.workflow === 'appointment-reminders');
  if (!deployment) return { title: 'Appointment reminders', lines: ['Appointment reminders: workflow not loaded'], problems: ['appointment-reminders is not loaded'] };
  const fhir = rt.ports.fhir;
  const patient = await fhir.create({ resourceType: 'Patient', name: [{ family: 'Synthetic', given: ['Appointment'] }], extension: [{ url: TIMEZONE_EXTENSION_URL, valueCode: ZONE }] });
  // Two days ahead at 10:00 in the patient's zone.
  const start = DateTime.fromMillis(clock.now(), { zone: ZONE }).plus({ days: 2 }).set({ hour: 10, minute: 0, second: 0, millisecond: 0 });
  const book = () =>
    fhir.create({
      resourceType: 'Appointment',
      status: 'booked',
      start: start.toUTC().toISO() ?? '',
      end: start.plus({ minutes: 30 }).toUTC().toISO() ?? '',
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'accepted' }],
    });
  const kept = await book();
  const cancelled = await book();
  await rt.settle();
  const waiting = (id: string | undefined) =>
    rt.engine.listExecutions({ stateMachineArn: deployment.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000 }).executions.filter((e) => e.name.startsWith(keyNamePrefix(`Appointment/${id}`)))
      .length;
  const before = waiting(cancelled.id);
  await fhir.update({ ...cancelled, status: 'cancelled', cancelationReason: { text: 'patient request' } });
  await rt.settle();
  const after = waiting(cancelled.id);
  await rt.advanceTo(start.toMillis() + HOUR);

  const communications = await fhir.search('Communication', { _count: '200' }, { maxPages: 10 });
  const sentFor = (id: string | undefined) =>
    communications
      .filter((c) => (c.about as { reference?: string }[] | undefined)?.[0]?.reference === `Appointment/${id}`)
      .map((c) => DateTime.fromISO(String(c.sent ?? ''), { zone: ZONE }).toFormat('ccc yyyy-MM-dd HH:mm ZZZZ'))
      .sort();
  const keptSent = sentFor(kept.id);
  const cancelledSent = sentFor(cancelled.id);
  const expected = [start.minus({ days: 1 }), start.minus({ hours: 2 })].map((t) => t.toFormat('ccc yyyy-MM-dd HH:mm ZZZZ')).sort();
  if (JSON.stringify(keptSent) !== JSON.stringify(expected)) problems.push(`the booked appointment's reminders went out at [${keptSent.join(', ')}], not [${expected.join(', ')}]`);
  if (before !== 1) problems.push(`the appointment to be cancelled had ${before} reminder runs waiting, not 1`);
  if (after !== 0) problems.push(`the cancelled appointment still has ${after} reminder run(s) waiting`);
  if (cancelledSent.length) problems.push(`${cancelledSent.length} reminder(s) were sent for the cancelled appointment`);
  const when = start.toFormat('ccc yyyy-MM-dd HH:mm ZZZZ');
  return {
    title: 'Appointment reminders',
    lines: [
      `Appointment reminders (${MACHINE}, the day before and 2 h before, in the patient's zone):`,
      `  Appointment/${kept.id}  booked for ${when}: ${keptSent.length} reminders sent: ${keptSent.join(', ') || 'none'}`,
      `  Appointment/${cancelled.id}  booked for ${when}, then cancelled: ${before} reminder run waiting before, ${after} after; ${cancelledSent.length} sent.`,
    ],
    problems,
  };
}
