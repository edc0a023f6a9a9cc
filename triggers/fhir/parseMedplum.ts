import { FhirInteraction } from '../../schemas/fhirChangeEvent';
import { HttpProblem } from '../http/httpProblem';
import { requireResource, versionOf } from './references';
import { interactionFromVersion } from './parseRestHook';
import { type NotificationContext, type ParsedNotification, dedupeKeyFor } from './resourceChange';

/**
 * Medplum POSTs the whole resource to the endpoint and names the interaction in
 * `X-Medplum-Interaction` (create, update or delete). The signature is checked before this runs.
 */
export function parseMedplum(body: unknown, interactionHeader: string | undefined, ctx: NotificationContext): ParsedNotification {
  if (body === undefined) throw new HttpProblem(400, 'required', 'Medplum notifications carry the resource; the body is empty');
  const resource = requireResource(body, 'Resource');
  const versionId = versionOf(resource);
  let interaction: FhirInteraction;
  if (interactionHeader === undefined) interaction = interactionFromVersion(versionId);
  else {
    const parsed = FhirInteraction.safeParse(interactionHeader.trim().toLowerCase());
    if (!parsed.success) throw new HttpProblem(400, 'value', 'X-Medplum-Interaction must be create, update or delete');
    interaction = parsed.data;
  }
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
