import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { FHIR_EVENT_DETAIL_TYPE, FHIR_EVENT_SOURCE, type FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import type { ResourceChange } from './resourceChange';
import type { RoutingAttributeExtractor } from './routingAttributes';

/** The bus event detail for a change: reference, version, interaction and routing attributes, never the resource. */
export function toChangeDetail(change: ResourceChange, server: string, extractor: RoutingAttributeExtractor): FhirChangeDetail {
  return {
    server,
    reference: `${change.resourceType}/${change.id}`,
    resourceType: change.resourceType,
    id: change.id,
    ...(change.versionId !== undefined ? { versionId: change.versionId } : {}),
    interaction: change.interaction,
    origin: change.origin,
    attributes: extractor.extract(change.resource, change.resourceType),
    dedupeKey: change.dedupeKey,
  };
}

export function toBusEntry(detail: FhirChangeDetail, time: Date, eventBusName?: string): PutEventsRequestEntry {
  return {
    Source: FHIR_EVENT_SOURCE,
    DetailType: FHIR_EVENT_DETAIL_TYPE,
    Detail: JSON.stringify(detail),
    Resources: [detail.reference],
    Time: time,
    ...(eventBusName !== undefined ? { EventBusName: eventBusName } : {}),
  };
}
