import { z } from 'zod';
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
} satisfies TaskSpec;

export const fhirVread = {
  name: 'fhir.vread',
  description: 'Read one specific version of a FHIR resource.',
  input: z.object({ reference: Reference, versionId: z.string().min(1), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
} satisfies TaskSpec;

export const fhirSearch = {
  name: 'fhir.search',
  description: 'Search a resource type, following Bundle.link[next] up to maxPages pages.',
  input: z.object({ resourceType: z.string().regex(/^[A-Z][A-Za-z]+$/), params: SearchParams.default({}), maxPages: z.number().int().min(1).max(100).default(10), server: Server }),
  output: z.object({ resources: z.array(Resource), total: z.number().int().optional() }),
  errors: FhirErrorNames,
} satisfies TaskSpec;

export const fhirCreate = {
  name: 'fhir.create',
  description: 'Create a resource; with ifNoneExist (or the idempotency key) a retried create writes once.',
  input: z.object({ resource: Resource, ifNoneExist: z.string().optional(), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
} satisfies TaskSpec;

export const fhirUpdate = {
  name: 'fhir.update',
  description: 'Update a resource, with If-Match on the version when ifMatch is given.',
  input: z.object({ resource: Resource, ifMatch: z.string().optional(), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
} satisfies TaskSpec;

export const fhirPatch = {
  name: 'fhir.patch',
  description: 'Apply a JSON Patch to a resource.',
  input: z.object({ reference: Reference, patch: z.array(JsonPatchOp).min(1), ifMatch: z.string().optional(), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
} satisfies TaskSpec;

export const fhirDelete = {
  name: 'fhir.delete',
  description: 'Delete a resource.',
  input: z.object({ reference: Reference, server: Server }),
  output: z.object({ deleted: z.literal(true), reference: z.string() }),
  errors: FhirErrorNames,
} satisfies TaskSpec;

export const fhirTransaction = {
  name: 'fhir.transaction',
  description: 'Submit a transaction Bundle; all entries succeed or none do.',
  input: z.object({ bundle: z.looseObject({ resourceType: z.literal('Bundle'), type: z.enum(['transaction', 'batch']) }), server: Server }),
  output: Resource,
  errors: FhirErrorNames,
} satisfies TaskSpec;

export const fhirTaskSpecs = [fhirRead, fhirVread, fhirSearch, fhirCreate, fhirUpdate, fhirPatch, fhirDelete, fhirTransaction] as const;
