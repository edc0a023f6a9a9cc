import type { FhirResource } from '../../schemas/fhirPort';
import { HttpProblem } from '../http/httpProblem';
import { ID_RE, RESOURCE_TYPE_RE, requireResource, versionOf } from './references';
import { type NotificationContext, type NotificationOrigin, type ParsedNotification, dedupeKeyFor } from './resourceChange';

/** R4 cannot tell create from update; version 1 is a create. */
export function interactionFromVersion(versionId: string | undefined): 'create' | 'update' {
  return versionId === '1' ? 'create' : 'update';
}

/** A rest-hook payload: the changed resource itself, as sent by PUT `{endpoint}/{type}/{id}` or a POST to the endpoint. */
export function parseRestHookResource(body: unknown, origin: NotificationOrigin, ctx: NotificationContext, path?: { resourceType: string; id: string }): ParsedNotification {
  const resource: FhirResource & { id: string } = requireResource(body, 'Resource');
  if (path !== undefined) {
    if (resource.resourceType !== path.resourceType) {
      throw new HttpProblem(400, 'invalid', `the body is a ${resource.resourceType} but the path names ${path.resourceType}`, `${resource.resourceType}.resourceType`);
    }
    if (resource.id !== path.id) throw new HttpProblem(400, 'invalid', 'the body id does not match the id in the path', `${resource.resourceType}.id`);
  }
  const versionId = versionOf(resource);
  const interaction = interactionFromVersion(versionId);
  const reference = `${resource.resourceType}/${resource.id}`;
  return {
    kind: 'changes',
    origin,
    changes: [
      {
        resourceType: resource.resourceType,
        id: resource.id,
        ...(versionId !== undefined ? { versionId } : {}),
        interaction,
        origin,
        resource,
        dedupeKey: dedupeKeyFor(ctx.server, reference, versionId, interaction, `@${ctx.receivedAt}`),
      },
    ],
  };
}

/** HAPI's `DELETE {endpoint}/{type}/{id}`: no body, no version. */
export function parseRestHookDelete(path: { resourceType: string; id: string }, ctx: NotificationContext): ParsedNotification {
  if (!RESOURCE_TYPE_RE.test(path.resourceType) || !ID_RE.test(path.id)) throw new HttpProblem(400, 'value', 'the path must be {type}/{id}');
  const reference = `${path.resourceType}/${path.id}`;
  // Without a version a delete cannot be told from its retry; a repeated delete is harmless downstream, a lost one is not.
  return {
    kind: 'changes',
    origin: 'hapi-rest-hook',
    changes: [
      {
        resourceType: path.resourceType,
        id: path.id,
        interaction: 'delete',
        origin: 'hapi-rest-hook',
        dedupeKey: dedupeKeyFor(ctx.server, reference, undefined, 'delete', `@${ctx.receivedAt}`),
      },
    ],
  };
}
