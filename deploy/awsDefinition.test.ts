import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/compile';
import { validateDefinition } from '../engine/asl/validateDefinition';
import { AWS_IDEMPOTENCY_KEY, toAwsDefinition } from './awsDefinition';

const t = { stage: 'demo', region: 'eu-west-1', account: '123456789012', partition: 'aws' };
const compiled = (file: string) => {
  const r = compile(readFileSync(join(__dirname, '..', 'workflows', file), 'utf8'), file);
  if (!r.artifact) throw new Error(JSON.stringify(r.diagnostics));
  return r.artifact.definition;
};

describe('toAwsDefinition', () => {
  it('points tasks at the stage functions and gives each call a retry-stable idempotency key', () => {
    const def = toAwsDefinition(compiled('abnormal-lab.yaml'), t) as { States: Record<string, { Resource?: string; Arguments?: Record<string, unknown> }> };
    const read = def.States.observation!;
    expect(read.Resource).toBe('arn:aws:lambda:eu-west-1:123456789012:function:clinflow-demo-fhir-read');
    expect(read.Arguments).toEqual({
      reference: '{% $states.context.Execution.Input.detail.reference %}',
      _clinflow: { idempotencyKey: AWS_IDEMPOTENCY_KEY, executionArn: '{% $states.context.Execution.Id %}', stateName: '{% $states.context.State.Name %}' },
    });
    // Callback tasks carry it inside the Lambda payload, next to the task token.
    const ack = def.States.acknowledge!;
    expect(ack.Arguments!.FunctionName).toBe('arn:aws:lambda:eu-west-1:123456789012:function:clinflow-demo-tasks-await');
    expect((ack.Arguments!.Payload as Record<string, unknown>)._clinflow).toMatchObject({ idempotencyKey: AWS_IDEMPOTENCY_KEY });
    expect(validateDefinition(def)).toEqual([]);
  });

  it('reaches tasks inside Map iterations and leaves the compiled artifact untouched', () => {
    const original = compiled('nightly-overdue-tasks.yaml');
    const before = JSON.stringify(original);
    const text = JSON.stringify(toAwsDefinition(original, t));
    expect(JSON.stringify(original)).toBe(before);
    const calls = (text.match(/function:clinflow-demo-/g) ?? []).length;
    expect(calls).toBeGreaterThanOrEqual(3);
    expect((text.match(/"_clinflow"/g) ?? []).length).toBe(calls);
    expect(text).not.toContain('000000000000');
  });
});
