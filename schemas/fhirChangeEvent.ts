import * as z from 'zod';

/**
 * The bus event for "a FHIR resource changed" (design decision 5: minimum necessary PHI).
 * It carries the reference and routing attributes only, never the resource.
 */
export const FHIR_EVENT_SOURCE = 'clinflow.fhir';
export const FHIR_EVENT_DETAIL_TYPE = 'FHIR Resource Changed';

export const FhirInteraction = z.enum(['create', 'update', 'delete']);
export type FhirInteraction = z.infer<typeof FhirInteraction>;

export const FhirNotificationOrigin = z.enum(['r4-rest-hook', 'hapi-rest-hook', 'medplum', 'backport-r4', 'r4b-subscription', 'r5-subscription', 'polling']);

const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

export const FhirChangeDetail = z.object({
  server: z.string(),
  reference: z.string(),
  resourceType: z.string(),
  id: z.string(),
  versionId: z.string().optional(),
  interaction: FhirInteraction,
  origin: FhirNotificationOrigin,
  /** Only the attributes that loaded rules route on (e.g. status, intent). */
  attributes: z.record(z.string(), AttributeValue),
  dedupeKey: z.string(),
});
export type FhirChangeDetail = z.infer<typeof FhirChangeDetail>;

export const FhirChangeEvent = z.object({
  version: z.literal('0'),
  id: z.string(),
  source: z.literal(FHIR_EVENT_SOURCE),
  'detail-type': z.literal(FHIR_EVENT_DETAIL_TYPE),
  account: z.string().optional(),
  region: z.string().optional(),
  time: z.string(),
  resources: z.array(z.string()),
  detail: FhirChangeDetail,
});
export type FhirChangeEvent = z.infer<typeof FhirChangeEvent>;
