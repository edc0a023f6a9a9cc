import { createHash } from 'node:crypto';
import type { Logger, NotifyPort } from '../../schemas/ports';
import { logicalKey } from '../../core/fhir/idempotency';

export function deliveryIdFor(idempotencyKey: string): string {
  return `dlv-${createHash('sha256').update(logicalKey(idempotencyKey)).digest('hex').slice(0, 24)}`;
}

/**
 * Development channel: "delivers" by writing one log line. The line names the recipient reference and
 * sizes only; the message text is PHI and is never logged (the logger would redact it anyway).
 */
export function createDevChannel(log: Logger): NotifyPort & { readonly sent: { deliveryId: string; recipient: string }[] } {
  const sent: { deliveryId: string; recipient: string }[] = [];
  return {
    sent,
    async send(message) {
      const deliveryId = deliveryIdFor(message.idempotencyKey);
      if (!sent.some((s) => s.deliveryId === deliveryId)) sent.push({ deliveryId, recipient: message.recipient });
      log.info({ channel: 'dev', deliveryId, recipient: message.recipient, bodyChars: message.body.length, hasSubject: message.subject !== undefined }, 'notification delivered (dev channel)');
      return { deliveryId };
    },
  };
}
