import { FhirInteraction } from '../../schemas/fhirChangeEvent';
import { HttpProblem } from '../http/httpProblem';
import { ID_RE, RESOURCE_TYPE_RE, isObject, parseReference, requireResource, versionOf } from './references';
import { interactionFromVersion } from './parseRestHook';
import { type NotificationContext, type ParsedNotification, dedupeKeyFor } from './resourceChange';

/** The Medplum headers a notification carries besides its body. */
export interface MedplumHeaders {
  /** `X-Medplum-Interaction`: create, update or delete. */
  interaction?: string;
  /** `X-Medplum-Deleted-Resource`: `Type/id` of a deleted resource (the body is then `{}`). */
  deletedResource?: string;
}

/**
 * Medplum POSTs the whole resource to the endpoint and names the interaction in
 * `X-Medplum-Interaction` (create, update or delete). A delete is a POST of `{}` with
 * `X-Medplum-Deleted-Resource: Type/id` (https://www.medplum.com/docs/subscriptions/subscription-extensions,
 * "Handling Delete Interaction"). The signature is checked before this runs.
 */
export function parseMedplum(body: unknown, headers: MedplumHeaders, ctx: NotificationContext): ParsedNotification {
  if (body === undefined) throw new HttpProblem(400, 'required', 'Medplum notifications carry the resource; the body is empty');
  let interaction: FhirInteraction | undefined;
  if (headers.interaction !== undefined) {
    const parsed = FhirInteraction.safeParse(headers.interaction.trim().toLowerCase());
    if (!parsed.success) throw new HttpProblem(400, 'value', 'X-Medplum-Interaction must be create, update or delete');
    interaction = parsed.data;
  }
  if (headers.deletedResource !== undefined || interaction === 'delete') return medplumDelete(body, headers.deletedResource, ctx);
  const resource = requireResource(body, 'Resource');
  const versionId = versionOf(resource);
  interaction ??= interactionFromVersion(versionId);
  const reference = `${resource.resourceType}/${resource.id}`;
  return {
    kind: 'changes',
    origin: 'medplum',
    changes: [
      {
        resourceType: resource.resourceType,
        id: resource.id,
        ...(versionId !== undefined ? { versionId } : {}),
        interaction,
        origin: 'medplum',
        resource,
        dedupeKey: dedupeKeyFor(ctx.server, reference, versionId, interaction, `@${ctx.receivedAt}`),
      },
    ],
  };
}

/**
 * A deleted resource: named by the header (the body is `{}`), or by the body when a sender posts
 * the last version instead. Its content is never used for routing: a deleted order has no state
 * left to route on, only its reminders to cancel.
 */
function medplumDelete(body: unknown, header: string | undefined, ctx: NotificationContext): ParsedNotification {
  let resourceType: string;
  let id: string;
  let versionId: string | undefined;
  if (header !== undefined) {
    const ref = parseReference(header.trim());
    if (!ref || !RESOURCE_TYPE_RE.test(ref.resourceType) || !ID_RE.test(ref.id)) {
      throw new HttpProblem(400, 'value', 'X-Medplum-Deleted-Resource must be {type}/{id}');
    }
    ({ resourceType, id } = ref);
  } else if (isObject(body) && body.resourceType !== undefined) {
    const resource = requireResource(body, 'Resource');
    ({ resourceType, id } = resource);
    versionId = versionOf(resource);
  } else {
    throw new HttpProblem(400, 'required', 'a Medplum delete names the resource in X-Medplum-Deleted-Resource');
  }
  const reference = `${resourceType}/${id}`;
  // Without a version a redelivery cannot be told from the delete itself; a repeated delete is harmless downstream, a lost one is not.
  return {
    kind: 'changes',
    origin: 'medplum',
    changes: [
      {
        resourceType,
        id,
        ...(versionId !== undefined ? { versionId } : {}),
        interaction: 'delete',
        origin: 'medplum',
        dedupeKey: dedupeKeyFor(ctx.server, reference, versionId, 'delete', `@${ctx.receivedAt}`),
      },
    ],
  };
}
