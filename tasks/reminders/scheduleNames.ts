import { createHash } from 'node:crypto';

const h = (text: string, n: number) => createHash('sha256').update(text).digest('hex').slice(0, n);

/** The readable idempotency key of one reminder: `MedicationRequest/id|versionId|slot`. */
export function reminderKey(order: string, versionId: string, slot: string): string {
  return `${order}|${versionId}|${slot}`;
}

/** All of an order's schedule names start with this (so cancel can list them by NamePrefix). */
export function orderNamePrefix(order: string): string {
  return `rem-${h(order, 16)}-`;
}

/** The names of one version of an order start with this. */
export function versionNamePrefix(order: string, versionId: string): string {
  return `${orderNamePrefix(order)}${h(versionId, 8)}-`;
}

/**
 * A Scheduler-safe name ([0-9a-zA-Z-_.], at most 64 characters) derived from the key: 46 characters,
 * the same on every plan, so re-planning creates nothing twice. The readable key goes in Description.
 */
export function reminderScheduleName(order: string, versionId: string, slot: string): string {
  return `${versionNamePrefix(order, versionId)}${h(slot, 16)}`;
}

/** The Communication identifier value for a reminder (token search cannot hold the key's `|`). */
export function reminderCommunicationId(key: string): string {
  return `reminder-${h(key, 40)}`;
}
