import { createHash } from 'node:crypto';
import type { FhirResource } from '../../schemas/fhirPort';

/**
 * The engine's key is `executionArn|State#visit|retryCount[|mapIndex…]` (engine/interpreter/taskState.ts).
 * A Retry of the same visit is the same logical write (its first attempt may have landed before the
 * response was lost), so the retry count is dropped; the visit number still tells loop iterations apart.
 * Keys in any other shape are used as they are.
 */
export function logicalKey(key: string): string {
  const parts = key.split('|');
  if (parts.length >= 3 && /#\d+$/.test(parts[1] ?? '') && /^\d+$/.test(parts[2] ?? '')) return [parts[0], parts[1], ...parts.slice(3)].join('|');
  return key;
}

/**
 * A stable, opaque code for an engine idempotency key (its logical part). Hashed so the tag is short
 * and does not spell out execution ARNs inside clinical records.
 */
export function idempotencyCode(key: string): string {
  return createHash('sha256').update(logicalKey(key)).digest('base64url').slice(0, 32);
}

interface Coding {
  system?: string;
  code?: string;
}

/**
 * Returns a copy of the resource tagged with the key. Earlier key tags stay: the create's tag is what
 * a re-delivered conditional create searches for, so a later update must not remove it.
 */
export function withIdempotencyTag(resource: FhirResource, system: string, key: string): FhirResource {
  if (hasIdempotencyTag(resource, system, key)) return resource;
  const meta = resource.meta ?? {};
  const tags = (meta.tag as Coding[] | undefined) ?? [];
  return { ...resource, meta: { ...meta, tag: [...tags, { system, code: idempotencyCode(key) }] } };
}

export function hasIdempotencyTag(resource: FhirResource, system: string, key: string): boolean {
  const code = idempotencyCode(key);
  return ((resource.meta?.tag as Coding[] | undefined) ?? []).some((t) => t.system === system && t.code === code);
}

/** The If-None-Exist search that finds a resource created under this key. */
export function idempotencyCondition(system: string, key: string): string {
  return `_tag=${encodeURIComponent(`${system}|${idempotencyCode(key)}`)}`;
}
