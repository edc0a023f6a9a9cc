import * as z from 'zod';
import { FhirErrorNames } from '../../schemas/errors';
import type { TaskSpec } from '../../schemas/task';

const notifySendInput = z.object({
  recipient: z.string().describe('Patient/…, Practitioner/…, CareTeam/… or RelatedPerson/…'),
  subject: z.string().optional(),
  body: z.string().describe('the text; refused (Notify.InvalidMessage) when empty or when it shows a value that did not render: NaN, undefined, null, [object Object], {% %}'),
  channel: z.string().optional().describe('configured channel name; the default channel when omitted'),
  about: z.string().optional().describe('reference to the resource this message is about'),
});

export const notifySend = {
  name: 'notify.send',
  description: 'Send a message to a person through a notification channel, recorded as a FHIR Communication.',
  input: notifySendInput,
  // An empty literal body is a compile error; an empty rendered one is Notify.InvalidMessage at run time.
  literalInput: notifySendInput.extend({ body: z.string().min(1) }),
  output: z.object({ deliveryId: z.string(), communication: z.string().optional() }),
  errors: ['Notify.DeliveryFailed', 'Notify.InvalidRecipient', 'Notify.InvalidMessage', ...FhirErrorNames],
  idempotent: { safe: true, how: "the Communication is a conditional create on the call's idempotency key; a completed one is not sent again, and the channel dedupes a re-send by key" },
  fhirInteractions: ['create Communication (If-None-Exist on the idempotency key)', 'update Communication to completed (or not-done when delivery fails)'],
} satisfies TaskSpec;

export const notifyTaskSpecs = [notifySend] as const;
