import * as z from 'zod';
import { FhirErrorNames } from '../../schemas/errors';
import type { TaskSpec } from '../../schemas/task';

const Resource = z.looseObject({ resourceType: z.string(), id: z.string().optional() });
const Reference = z.string().regex(/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/, 'a relative reference such as "Patient/123"');
const Server = z.string().optional().describe('name of a configured FHIR server; the default server when omitted');
const SearchParams = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const JsonPatchOp = z.object({
  op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test']),
  path: z.string(),
  value: z.unknown().optional(),
  from: z.string().optional(),
});

export const fhirRead = {
  name: 'fhir.read',
  description: 'Read the current version of a FHIR resource.',
  input: z.object({ reference: Reference, server: Server }),
  output: Resource,
  errors: FhirErrorNames,
  idempotent: { safe: true, how: 'a read changes nothing' },
  fhirInteractions: ['read: GET [type]/[id]'],
} satisfies TaskSpec;

export const fhirVread = {
  name: 'fhir.vread',
  description: 'Read one specific version of a FHIR resource.',
  input: z.object({ reference: Reference, versionId: z.string().min(1), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
  idempotent: { safe: true, how: 'a read changes nothing' },
  fhirInteractions: ['vread: GET [type]/[id]/_history/[versionId]'],
} satisfies TaskSpec;

export const fhirSearch = {
  name: 'fhir.search',
  description: 'Search a resource type, following Bundle.link[next] up to maxPages pages.',
  input: z.object({ resourceType: z.string().regex(/^[A-Z][A-Za-z]+$/), params: SearchParams.default({}), maxPages: z.number().int().min(1).max(100).default(10), server: Server }),
  output: z.object({ resources: z.array(Resource), total: z.number().int().optional() }),
  errors: FhirErrorNames,
  idempotent: { safe: true, how: 'a search changes nothing' },
  fhirInteractions: ['search-type: GET [type]?params, then each Bundle.link[next] page'],
} satisfies TaskSpec;

export const fhirCreate = {
  name: 'fhir.create',
  description: 'Create a resource; with ifNoneExist (or the idempotency key) a retried create writes once.',
  input: z.object({ resource: Resource, ifNoneExist: z.string().optional(), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
  idempotent: { safe: true, how: "a conditional create (If-None-Exist on ifNoneExist, or on a tag holding the call's idempotency key): a retry finds the resource the first attempt made" },
  fhirInteractions: ['create: POST [type] with If-None-Exist', 'create Provenance (when attribution is on)'],
} satisfies TaskSpec;

export const fhirUpdate = {
  name: 'fhir.update',
  description: 'Update a resource, with If-Match on the version when ifMatch is given.',
  input: z.object({ resource: Resource, ifMatch: z.string().optional(), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
  idempotent: { safe: true, how: "the resource is tagged with the call's idempotency key; a retry whose first attempt landed (If-Match then fails) finds its tag and returns the current version" },
  fhirInteractions: ['update: PUT [type]/[id], with If-Match when ifMatch is given', 'create Provenance (when attribution is on)'],
} satisfies TaskSpec;

export const fhirPatch = {
  name: 'fhir.patch',
  description: 'Apply a JSON Patch to a resource.',
  input: z.object({ reference: Reference, patch: z.array(JsonPatchOp).min(1), ifMatch: z.string().optional(), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
  idempotent: { safe: false, how: 'a JSON Patch may apply twice (add to a list); pass ifMatch so a repeated patch fails with FHIR.Conflict instead' },
  fhirInteractions: ['patch: PATCH [type]/[id] (JSON Patch), with If-Match when ifMatch is given', 'create Provenance (when attribution is on)'],
} satisfies TaskSpec;

export const fhirDelete = {
  name: 'fhir.delete',
  description: 'Delete a resource.',
  input: z.object({ reference: Reference, server: Server }),
  output: z.object({ deleted: z.literal(true), reference: z.string() }),
  errors: FhirErrorNames,
  idempotent: { safe: true, how: 'a retried delete that finds the resource already gone (FHIR.Gone) succeeds' },
  fhirInteractions: ['delete: DELETE [type]/[id]', 'create Provenance (when attribution is on)'],
} satisfies TaskSpec;

export const fhirTransaction = {
  name: 'fhir.transaction',
  description: 'Submit a transaction Bundle; all entries succeed or none do.',
  input: z.object({ bundle: z.looseObject({ resourceType: z.literal('Bundle'), type: z.enum(['transaction', 'batch']) }), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
  idempotent: { safe: true, how: "its POST entries become conditional creates on the call's idempotency key; PUT and DELETE entries repeat to the same state" },
  fhirInteractions: ['transaction or batch: POST [base] with the Bundle'],
} satisfies TaskSpec;

export const fhirTaskSpecs = [fhirRead, fhirVread, fhirSearch, fhirCreate, fhirUpdate, fhirPatch, fhirDelete, fhirTransaction] as const;
