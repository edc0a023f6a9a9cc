import { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import { RoutingAttributeExtractor } from './routingAttributes';
import { toBusEntry, toChangeDetail } from './toBusEntry';
import { mergeRoutingAttributes } from './mergeRoutingAttributes';

const order = {
  resourceType: 'MedicationRequest',
  id: 'med-1',
  meta: { versionId: '2' },
  status: 'active',
  intent: 'order',
  category: [{ coding: [{ code: 'outpatient' }, { code: 'community' }] }],
  subject: { reference: 'Patient/pat-1', display: 'Synthetic Person' },
  medicationCodeableConcept: { coding: [{ code: '855332' }] },
  dosageInstruction: [{ timing: { repeat: { frequency: 2 } } }],
};

describe('RoutingAttributeExtractor', () => {
  const extractor = new RoutingAttributeExtractor({
    MedicationRequest: ['status', 'intent', 'category.coding.code', 'medication.coding.code', 'dosageInstruction.timing.repeat.frequency', 'priority', 'subject'],
  });

  it('extracts only the configured attributes: scalars, arrays for several values, nothing for none or complex', () => {
    expect(extractor.extract(order, 'MedicationRequest')).toEqual({
      status: 'active',
      intent: 'order',
      'category.coding.code': ['outpatient', 'community'],
      'medication.coding.code': '855332', // choice type resolved through the R4 model
      'dosageInstruction.timing.repeat.frequency': 2,
    });
  });
  it('extracts nothing for a type no rule routes on, or without a resource', () => {
    expect(extractor.extract({ resourceType: 'Patient', id: 'p' }, 'Patient')).toEqual({});
    expect(extractor.extract(undefined, 'MedicationRequest')).toEqual({});
    expect(extractor.namesFor('Patient')).toEqual([]);
  });
  it('refuses invalid FHIRPath at construction', () => {
    expect(() => new RoutingAttributeExtractor({ Patient: ['name.where('] })).toThrow(/Patient\.name\.where\( is not valid FHIRPath/);
  });
});

describe('toBusEntry', () => {
  it('builds a FHIR change event entry that carries no resource content beyond routing attributes', () => {
    const extractor = new RoutingAttributeExtractor({ MedicationRequest: ['status'] });
    const detail = toChangeDetail(
      { resourceType: 'MedicationRequest', id: 'med-1', versionId: '2', interaction: 'update', origin: 'medplum', resource: order, dedupeKey: 'k' },
      'https://ehr.example.org/fhir',
      extractor,
    );
    const entry = toBusEntry(detail, new Date('2025-03-09T14:05:11Z'), 'clinflow');
    expect(entry).toMatchObject({ Source: 'clinflow.fhir', DetailType: 'FHIR Resource Changed', Resources: ['MedicationRequest/med-1'], EventBusName: 'clinflow' });
    const parsed = FhirChangeDetail.strict().parse(JSON.parse(entry.Detail ?? ''));
    expect(parsed).toEqual({
      server: 'https://ehr.example.org/fhir',
      reference: 'MedicationRequest/med-1',
      resourceType: 'MedicationRequest',
      id: 'med-1',
      versionId: '2',
      interaction: 'update',
      origin: 'medplum',
      attributes: { status: 'active' },
      dedupeKey: 'k',
    });
    expect(entry.Detail).not.toContain('Synthetic Person');
    expect(entry.Detail).not.toContain('Patient/pat-1');
  });
});

describe('mergeRoutingAttributes', () => {
  it('unions the attributes of every loaded workflow, by resource type', () => {
    expect(
      mergeRoutingAttributes([
        { routingAttributes: { MedicationRequest: ['status', 'intent'] } },
        { routingAttributes: { MedicationRequest: ['status', 'category.coding.code'], Observation: ['code.coding.code'] } },
        { routingAttributes: {} },
      ]),
    ).toEqual({ MedicationRequest: ['category.coding.code', 'intent', 'status'], Observation: ['code.coding.code'] });
  });
});
