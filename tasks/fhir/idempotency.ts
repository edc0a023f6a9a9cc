import { createHash } from 'node:crypto';
import type { FhirResource } from '../../schemas/fhirPort';

/**
 * A stable, opaque code for an engine idempotency key. Hashed so the tag is short and does not spell
 * out execution ARNs inside clinical records.
 */
export function idempotencyCode(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
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
