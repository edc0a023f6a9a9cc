/**
 * The FHIR port: how tasks read and write a FHIR server. Owned by tasks/fhir, which implements it
 * over HTTP with fhir-kit-client. Failures are FhirError with FHIR.* names (schemas/errors.ts).
 */
export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface FhirRequestOptions {
  /** Engine-supplied key that makes a retried write happen once. */
  idempotencyKey?: string;
}

export interface FhirPort {
  read(reference: string, options?: FhirRequestOptions): Promise<FhirResource>;
  search(resourceType: string, params: Record<string, string | string[]>, options?: FhirRequestOptions & { maxPages?: number }): Promise<FhirResource[]>;
  create(resource: FhirResource, options?: FhirRequestOptions & { ifNoneExist?: string }): Promise<FhirResource>;
  update(resource: FhirResource, options?: FhirRequestOptions & { ifMatch?: string }): Promise<FhirResource>;
}
