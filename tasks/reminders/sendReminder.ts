import { FhirError } from '../../schemas/errors';
import type { FhirResource } from '../../schemas/fhirPort';
import type { TaskContext } from '../../schemas/ports';
import { doseText } from './planReminders';
import type { RemindersConfig } from './reminderConfig';
import { reminderCommunicationId, reminderKey } from './scheduleNames';

interface SendInput {
  order: string;
  versionId: string;
  slot: string;
  at: string;
  channel?: string | undefined;
}

interface SendOutput {
  sent: boolean;
  communication?: string;
  skippedReason?: string;
}

const skipped = (skippedReason: string, communication?: string): SendOutput => ({ sent: false, skippedReason, ...(communication ? { communication } : {}) });

/**
 * reminders.send: re-reads the order (a stopped order is never reminded), records the reminder as
 * a Communication created conditionally on an identifier derived from the slot key, delivers it,
 * then marks the Communication completed. A completed Communication means "already sent"; a
 * retry after a crash between delivery and completion re-sends with the same idempotency key, which
 * the channel dedupes.
 */
export async function sendReminder(input: SendInput, ctx: TaskContext, config: RemindersConfig): Promise<SendOutput> {
  let order: FhirResource;
  try {
    order = await ctx.ports.fhir.read(input.order);
  } catch (err) {
    if (err instanceof FhirError && (err.error === 'FHIR.NotFound' || err.error === 'FHIR.Gone')) return skipped('the order no longer exists');
    throw err;
  }
  const status = order.status as string | undefined;
  if (status !== 'active') return skipped(`the order is ${status ?? 'without status'}, not active`);
  const current = order.meta?.versionId;
  if (current !== undefined && current !== input.versionId) return skipped(`the order was replaced by version ${current}`);
  const lateMs = ctx.clock.now() - Date.parse(input.at);
  if (lateMs > config.maxLatenessMinutes * 60_000) return skipped(`more than ${config.maxLatenessMinutes} minutes late`);
  const patient = (order.subject as { reference?: string } | undefined)?.reference;
  if (!patient) return skipped('the order has no subject to remind');

  const key = reminderKey(input.order, input.versionId, input.slot);
  const identifier = { system: config.communicationIdentifierSystem, value: reminderCommunicationId(key) };
  const index = Number(/^d(\d+)-/.exec(input.slot)?.[1] ?? 0);
  const text = doseText(order, index) ?? 'your medication';
  const body = `Medication reminder: ${text}`;
  const draft: FhirResource = {
    resourceType: 'Communication',
    identifier: [identifier],
    status: 'in-progress',
    category: [{ text: 'medication-reminder' }],
    subject: { reference: patient },
    recipient: [{ reference: patient }],
    about: [{ reference: input.order }],
    payload: [{ contentString: body }],
  };
  const comm = await ctx.ports.fhir.create(draft, {
    ifNoneExist: `identifier=${identifier.system}|${identifier.value}`,
    idempotencyKey: `${identifier.value}|create`,
  });
  const ref = `Communication/${comm.id ?? ''}`;
  if (comm.status === 'completed') return skipped('already sent', ref);

  await ctx.ports.notify.send({
    ...(input.channel ? { channel: input.channel } : {}),
    recipient: patient,
    subject: 'Medication reminder',
    body,
    idempotencyKey: identifier.value,
  });
  const sentAt = new Date(ctx.clock.now()).toISOString();
  await ctx.ports.fhir.update({ ...comm, status: 'completed', sent: sentAt }, { idempotencyKey: `${identifier.value}|complete`, ...(comm.meta?.versionId ? { ifMatch: comm.meta.versionId } : {}) });
  return { sent: true, communication: ref };
}
