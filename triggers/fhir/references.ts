import type { FhirResource } from '../../schemas/fhirPort';
import { HttpProblem } from '../http/httpProblem';

export const RESOURCE_TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
export const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

export interface ParsedReference {
  resourceType: string;
  id: string;
  versionId?: string;
}

/**
 * `Type/id`, `Type/id/_history/v`, or an absolute URL ending so. With `server` (the source's
 * configured base URL), an absolute URL must be on that base: a notification naming another
 * server's resource is refused (400), never rebound to ours.
 */
export function parseReference(ref: string, server?: string): ParsedReference | undefined {
  const m = /(?:^|\/)([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?\/?$/.exec(ref);
  if (!m?.[1] || !m[2]) return undefined;
  if (server !== undefined) requireBase(ref.slice(0, m.index), server);
  return m[3] !== undefined ? { resourceType: m[1], id: m[2], versionId: m[3] } : { resourceType: m[1], id: m[2] };
}

/** `base` is what precedes `Type/id` in a reference: empty (relative) or the source's own base URL. */
function requireBase(base: string, server: string): void {
  if (base === '') return;
  const norm = (u: string): string => u.replace(/\/+$/, '').toLowerCase();
  if (!/^https?:\/\//i.test(base) || norm(base) !== norm(server)) {
    throw new HttpProblem(400, 'value', "a reference names a resource on another server than this source's base URL; it is refused, not rebound");
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks that `value` is a FHIR resource with a type and a logical id; `where` prefixes the expression. */
export function requireResource(value: unknown, where: string): FhirResource & { id: string } {
  if (!isObject(value)) throw new HttpProblem(400, 'structure', `${where} must be a JSON object (a FHIR resource)`, where);
  const { resourceType, id, meta } = value;
  if (typeof resourceType !== 'string' || !RESOURCE_TYPE_RE.test(resourceType)) {
    throw new HttpProblem(400, 'required', `${where}.resourceType is missing or not a resource type`, `${where}.resourceType`);
  }
  if (typeof id !== 'string' || !ID_RE.test(id)) throw new HttpProblem(400, 'required', `${resourceType}.id is missing or not a FHIR id`, `${where}.id`);
  if (meta !== undefined) {
    if (!isObject(meta)) throw new HttpProblem(400, 'structure', `${resourceType}.meta must be an object`, `${where}.meta`);
    if (meta.versionId !== undefined && (typeof meta.versionId !== 'string' || !ID_RE.test(meta.versionId))) {
      throw new HttpProblem(400, 'value', `${resourceType}.meta.versionId must be a FHIR id`, `${where}.meta.versionId`);
    }
  }
  return value as FhirResource & { id: string };
}

export function versionOf(resource: FhirResource): string | undefined {
  const v = resource.meta?.versionId;
  return typeof v === 'string' ? v : undefined;
}
