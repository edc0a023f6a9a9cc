import { createHmac } from 'node:crypto';
import { WorkflowError } from '../../schemas/errors';
import type { Logger, NotifyPort } from '../../schemas/ports';
import { logicalKey } from '../../core/fhir/idempotency';
import { deliveryIdFor } from './devChannel';

export interface WebhookChannelOptions {
  url: string;
  /** HMAC-SHA256 key for `X-Clinflow-Signature`. */
  secret: string;
  maxAttempts?: number;
  /** First back-off; doubles per attempt. */
  backoffMs?: number;
  timeoutMs?: number;
  log?: Logger;
  /** Injected so tests need not wait; setTimeout by default. */
  sleep?: (ms: number) => Promise<void>;
}

/** Hex HMAC-SHA256 of the exact body bytes, sent as `X-Clinflow-Signature: sha256=<hex>`. */
export function clinflowSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const retryable = (status: number) => status >= 500 || status === 429 || status === 408;

/**
 * Webhook channel: POSTs JSON to an HTTP(S) endpoint, signed with `X-Clinflow-Signature`, carrying
 * `Idempotency-Key` so the receiver can drop a re-delivery. 5xx, 429, timeouts and refused
 * connections are retried with exponential back-off; other 4xx fail at once (Notify.DeliveryFailed).
 */
export function createWebhookChannel(options: WebhookChannelOptions): NotifyPort {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxAttempts = options.maxAttempts ?? 4;
  return {
    async send(message) {
      const body = JSON.stringify({
        recipient: message.recipient,
        ...(message.subject !== undefined ? { subject: message.subject } : {}),
        body: message.body,
        ...(message.channel !== undefined ? { channel: message.channel } : {}),
        idempotencyKey: logicalKey(message.idempotencyKey),
      });
      const headers = {
        'content-type': 'application/json',
        // A Retry of the same step is the same message: the receiver may drop it by this key.
        'idempotency-key': logicalKey(message.idempotencyKey),
        'x-clinflow-signature': clinflowSignature(body, options.secret),
      };
      let last = 'no attempt';
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        try {
          const res = await fetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
          const text = await res.text();
          if (res.ok) {
            let deliveryId = deliveryIdFor(message.idempotencyKey);
            try {
              const parsed = JSON.parse(text) as { deliveryId?: unknown };
              if (typeof parsed.deliveryId === 'string') deliveryId = parsed.deliveryId;
            } catch {
              // A receiver may answer with no JSON; our own id stands.
            }
            return { deliveryId };
          }
          last = `HTTP ${res.status}`;
          if (!retryable(res.status)) break;
        } catch (err) {
          last = (err as { name?: string }).name === 'TimeoutError' ? 'timeout' : 'connection failed';
        }
        options.log?.warn({ channel: 'webhook', attempt, maxAttempts, outcome: last }, 'notification delivery attempt failed');
        if (attempt < maxAttempts) await sleep((options.backoffMs ?? 250) * 2 ** (attempt - 1));
      }
      throw new WorkflowError('Notify.DeliveryFailed', `webhook delivery failed: ${last}`);
    },
  };
}
