import type { CompiledWorkflow } from '../../schemas/artifacts';
import { StageConfig } from '../../schemas/deployConfig';
import { desiredResources } from '../desired';

const wf = (name: string, routingAttributes: Record<string, string[]>): CompiledWorkflow =>
  ({
    name,
    definition: { QueryLanguage: 'JSONata', StartAt: 'done', States: { done: { Type: 'Succeed' } } },
    trigger: { kind: 'eventRule', name: `clinflow-${name}`, eventPattern: { source: ['clinflow.fhir'] } },
    manifest: { workflow: name, version: 1, sourceHash: name.padEnd(64, '0'), compilerVersion: '0.1.0', tasks: ['fhir.read'], routingAttributes },
  }) as unknown as CompiledWorkflow;

describe('the Lambda runtime environment deploy gives the functions', () => {
  it('the FHIR endpoint gets the union of the workflows routing attributes (sorted, deduplicated); task functions do not', () => {
    const config = StageConfig.parse({ stage: 'demo', region: 'us-east-1' });
    const out = desiredResources([wf('b', { MedicationRequest: ['status', 'intent'] }), wf('a', { MedicationRequest: ['status'], Task: ['status'] })], config, {
      now: new Date('2026-12-02T00:00:00Z'),
    }).resources;
    const fns = out.filter((r) => r.kind === 'function');
    const endpoint = fns.find((f) => f.entry === 'fhir-endpoint')!;
    expect(JSON.parse(endpoint.environment.CLINFLOW_ROUTING_ATTRIBUTES!)).toEqual({ MedicationRequest: ['intent', 'status'], Task: ['status'] });
    expect(endpoint.environment.CLINFLOW_BUS).toBe('clinflow-demo');
    const read = fns.find((f) => f.entry === 'fhir.read')!;
    expect(read.environment).not.toHaveProperty('CLINFLOW_ROUTING_ATTRIBUTES');
    expect(read.environment.CLINFLOW_TASK).toBe('fhir.read');
  });
});
