import { fhirpathTestHandler } from './handler';
import type { TaskContext } from '../../schemas/ports';

const ctx = {} as TaskContext;
const obs = { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '6298-4' }] }, valueQuantity: { value: 6.4, unit: 'mmol/L' } };

describe('fhirpath.test', () => {
  it('matches only when the expression yields exactly true (choice types via the R4 model)', async () => {
    expect(await fhirpathTestHandler({ resource: obs, expression: "'6298-4' in code.coding.code and value.ofType(Quantity).value > 6.0" }, ctx)).toEqual({ matches: true });
    expect(await fhirpathTestHandler({ resource: obs, expression: 'valueQuantity.value > 7' }, ctx)).toEqual({ matches: false });
    expect(await fhirpathTestHandler({ resource: obs, expression: 'note.text' }, ctx)).toEqual({ matches: false });
  });
  it('raises FHIRPath.Invalid for an expression it cannot evaluate', async () => {
    await expect(fhirpathTestHandler({ resource: obs, expression: 'status = = 1' }, ctx)).rejects.toMatchObject({ error: 'FHIRPath.Invalid' });
  });
});
