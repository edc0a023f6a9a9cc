import { WorkflowError } from '../../schemas/errors';
import type { FhirResource } from '../../schemas/fhirPort';
import type { TaskHandler } from '../../schemas/task';
import { assertMessageRenders } from './checkMessage';
import type { notifySend } from './specs';

/** Identifier system of the channel's delivery id on the Communication. */
export const DELIVERY_SYSTEM = 'urn:clinflow:notify:delivery-id';

const RECIPIENT = /^(Patient|Practitioner|PractitionerRole|CareTeam|RelatedPerson|Organization|Group)\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * `notify.send`: records the message as a FHIR Communication (conditional create on the idempotency
 * key, so a re-delivered call finds the same record), delivers it through the channel, then marks
 * the Communication completed. A Communication already completed means the message went out: it is
 * not sent again.
 */
export const notifySendHandler: TaskHandler<typeof notifySend> = async (input, ctx) => {
  if (!RECIPIENT.test(input.recipient))
    throw new WorkflowError('Notify.InvalidRecipient', 'recipient must be a Patient/Practitioner/PractitionerRole/CareTeam/RelatedPerson/Organization/Group reference');
  // Before anything is recorded or sent: a text that did not render never reaches a person.
  assertMessageRenders({ body: input.body, subject: input.subject, recipient: input.recipient, about: input.about }, ['body']);
  const { fhir, notify } = ctx.ports;
  const draft: FhirResource = {
    resourceType: 'Communication',
    status: 'preparation',
    recipient: [{ reference: input.recipient }],
    ...(input.recipient.startsWith('Patient/') ? { subject: { reference: input.recipient } } : {}),
    ...(input.about !== undefined ? { about: [{ reference: input.about }] } : {}),
    ...(input.subject !== undefined ? { topic: { text: input.subject } } : {}),
    ...(input.channel !== undefined ? { medium: [{ text: input.channel }] } : {}),
    payload: [{ contentString: input.body }],
  };
  const record = await fhir.create(draft, { idempotencyKey: ctx.idempotencyKey });
  const communication = `Communication/${record.id ?? ''}`;
  const deliveryIdOf = (r: FhirResource) => ((r.identifier as { system?: string; value?: string }[] | undefined) ?? []).find((i) => i.system === DELIVERY_SYSTEM)?.value;
  if (record.status === 'completed') {
    ctx.log.info({ task: 'notify.send', communication }, 'already delivered; not sending again');
    return { deliveryId: deliveryIdOf(record) ?? '', communication };
  }
  let deliveryId: string;
  try {
    ({ deliveryId } = await notify.send({
      recipient: input.recipient,
      body: input.body,
      idempotencyKey: ctx.idempotencyKey,
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      ...(input.channel !== undefined ? { channel: input.channel } : {}),
    }));
  } catch (err) {
    await fhir.update({ ...record, status: 'not-done', statusReason: { text: 'delivery failed' } }).catch(() => undefined);
    throw err;
  }
  const sent = new Date(ctx.clock.now()).toISOString();
  const identifier = [...((record.identifier as unknown[] | undefined) ?? []), { system: DELIVERY_SYSTEM, value: deliveryId }];
  await fhir.update({ ...record, status: 'completed', sent, identifier }, { idempotencyKey: `${ctx.idempotencyKey}|completed` });
  ctx.log.info({ task: 'notify.send', communication, deliveryId }, 'notification sent');
  return { deliveryId, communication };
};

export const notifyHandlers = { 'notify.send': notifySendHandler } as const;
