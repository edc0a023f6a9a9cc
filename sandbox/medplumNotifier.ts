import { createHmac } from 'node:crypto';
import type { ResourceChange } from './sandboxRepository';

export interface NotifyTarget {
  /** clinflow's FHIR notification endpoint, e.g. http://127.0.0.1:8080/fhir/notify/sandbox */
  url: string;
  /** Shared HMAC secret (X-Signature). */
  secret: string;
  subscriptionId?: string;
  /** Only these resource types are sent; all when omitted. */
  resourceTypes?: string[];
  maxAttempts?: number;
  /** First retry delay; doubles per attempt. */
  backoffMs?: number;
}

/** What was delivered (references only: the sandbox keeps no bodies in its logs either). */
export interface Delivery {
  interaction: ResourceChange['interaction'];
  reference: string;
  versionId: string | undefined;
  status: number | 'network-error';
  attempts: number;
}

/** The wire format: hex HMAC-SHA256 of the exact body bytes, as Medplum's rest-hook subscriptions sign them. */
export function medplumSignature(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Sends change notifications the way Medplum does: a POST of the whole resource to the endpoint with
 * `X-Medplum-Subscription`, `X-Medplum-Interaction`, `X-Signature` (and `X-Medplum-Deleted-Resource`
 * on delete). Deliveries are sequential, in change order, retried with back-off on non-2xx.
 */
export class MedplumNotifier {
  readonly deliveries: Delivery[] = [];
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly target: NotifyTarget) {}

  enqueue(change: ResourceChange): void {
    if (this.closed) return;
    if (this.target.resourceTypes && !this.target.resourceTypes.includes(change.resource.resourceType)) return;
    this.chain = this.chain.then(() => this.deliver(change));
  }

  /** Resolves once every change enqueued so far has been delivered or given up on. */
  drain(): Promise<void> {
    return this.chain;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.chain;
  }

  private async deliver(change: ResourceChange): Promise<void> {
    const { resource, interaction } = change;
    const body = JSON.stringify(resource);
    const reference = `${resource.resourceType}/${resource.id ?? ''}`;
    const headers: Record<string, string> = {
      'content-type': 'application/fhir+json',
      'x-medplum-subscription': this.target.subscriptionId ?? 'clinflow-sandbox',
      'x-medplum-interaction': interaction,
      'x-signature': medplumSignature(body, this.target.secret),
      ...(interaction === 'delete' ? { 'x-medplum-deleted-resource': reference } : {}),
    };
    const maxAttempts = this.target.maxAttempts ?? 4;
    let status: Delivery['status'] = 'network-error';
    let attempts = 0;
    while (attempts < maxAttempts) {
      attempts++;
      try {
        const res = await fetch(this.target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
        status = res.status;
        await res.arrayBuffer();
        if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429)) break;
      } catch {
        status = 'network-error';
      }
      if (this.closed || attempts >= maxAttempts) break;
      await new Promise((r) => setTimeout(r, (this.target.backoffMs ?? 200) * 2 ** (attempts - 1)));
    }
    this.deliveries.push({ interaction, reference, versionId: resource.meta?.versionId, status, attempts });
  }
}
