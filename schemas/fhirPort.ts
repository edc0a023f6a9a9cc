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
  /** Name of a configured FHIR server; the default server when omitted. */
  server?: string;
}

/** One JSON Patch (RFC 6902) operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

export interface FhirSearchResult {
  resources: FhirResource[];
  /** Bundle.total of the first page, when the server reports it. */
  total?: number;
  /** Pages fetched (≤ maxPages). */
  pages: number;
  /** True when a next link remained after maxPages. */
  truncated: boolean;
}

export interface FhirPort {
  read(reference: string, options?: FhirRequestOptions): Promise<FhirResource>;
  search(resourceType: string, params: Record<string, string | string[]>, options?: FhirRequestOptions & { maxPages?: number }): Promise<FhirResource[]>;
  create(resource: FhirResource, options?: FhirRequestOptions & { ifNoneExist?: string }): Promise<FhirResource>;
  update(resource: FhirResource, options?: FhirRequestOptions & { ifMatch?: string }): Promise<FhirResource>;
  // The methods below were added after the first contract; optional so existing fakes still type-check.
  // tasks/fhir's HTTP port implements all of them.
  /** Read one version (`Type/id/_history/vid`). */
  vread?(reference: string, versionId: string, options?: FhirRequestOptions): Promise<FhirResource>;
  /** Search following Bundle.link[next] up to maxPages, with the server's total. */
  searchPages?(resourceType: string, params: Record<string, string | string[]>, options?: FhirRequestOptions & { maxPages?: number }): Promise<FhirSearchResult>;
  patch?(reference: string, patch: JsonPatchOperation[], options?: FhirRequestOptions & { ifMatch?: string }): Promise<FhirResource>;
  delete?(reference: string, options?: FhirRequestOptions): Promise<void>;
  /** POST a transaction or batch Bundle to the base; returns the response Bundle. */
  transaction?(bundle: FhirResource, options?: FhirRequestOptions): Promise<FhirResource>;
}
