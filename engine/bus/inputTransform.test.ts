import { applyInputTransformer, checkTargetInput, targetInput } from './inputTransform';

const event = {
  version: '0',
  id: 'ev-1',
  'detail-type': 'FHIR Resource Changed',
  source: 'clinflow.fhir',
  time: '2025-03-09T14:05:11Z',
  resources: ['MedicationRequest/med-1'],
  detail: { reference: 'MedicationRequest/med-1', attributes: { status: 'active', dose: 2.5 }, tags: ['a', 'b'], note: 'say "hi"' },
};
const ctx = { ruleName: 'r1', ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r1', ingestionTime: Date.UTC(2025, 2, 9, 14, 5, 12) };

describe('target input', () => {
  it('sends the whole event by default, Input verbatim, and the InputPath value as JSON', () => {
    expect(JSON.parse(targetInput({ Id: 't', Arn: 'x' }, event, ctx))).toEqual(event);
    expect(targetInput({ Id: 't', Arn: 'x', Input: '{"fixed":true}' }, event, ctx)).toBe('{"fixed":true}');
    expect(JSON.parse(targetInput({ Id: 't', Arn: 'x', InputPath: '$.detail.attributes' }, event, ctx))).toEqual({ status: 'active', dose: 2.5 });
    expect(targetInput({ Id: 't', Arn: 'x', InputPath: '$.detail.missing' }, event, ctx)).toBe('null');
  });

  it('substitutes values as JSON outside strings and as text inside strings', () => {
    const out = applyInputTransformer(
      {
        InputPathsMap: { ref: '$.detail.reference', status: '$.detail.attributes.status', dose: '$.detail.attributes.dose', tags: '$.detail.tags', note: '$.detail.note', nope: '$.detail.nope' },
        InputTemplate:
          '{"reference": <ref>, "text": "<ref> is <status>", "dose": <dose>, "tags": <tags>, "quoted": "<note>", "missing": <nope>, "missingText": "x<nope>y", "rule": "<aws.events.rule-name>", "at": "<aws.events.event.ingestion-time>"}',
      },
      event,
      ctx,
    );
    expect(JSON.parse(out)).toEqual({
      reference: 'MedicationRequest/med-1',
      text: 'MedicationRequest/med-1 is active',
      dose: 2.5,
      tags: ['a', 'b'],
      quoted: 'say "hi"',
      missing: null,
      missingText: 'xy',
      rule: 'r1',
      at: '2025-03-09T14:05:12.000Z',
    });
  });

  it('passes the whole event with <aws.events.event> and leaves unknown placeholders alone', () => {
    const out = applyInputTransformer({ InputTemplate: '{"e": <aws.events.event>, "s": "<not-mapped>"}' }, event, ctx);
    expect(JSON.parse(out)).toEqual({ e: event, s: '<not-mapped>' });
  });

  it('refuses conflicting or malformed input settings', () => {
    expect(checkTargetInput({ Id: 't', Arn: 'x', Input: '{}', InputPath: '$' })).toMatch(/Only one of Input, InputPath, or InputTransformer/);
    expect(checkTargetInput({ Id: 't', Arn: 'x', Input: '{nope' })).toMatch(/not valid JSON/);
    expect(checkTargetInput({ Id: 't', Arn: 'x', InputTransformer: { InputTemplate: '{}', InputPathsMap: { 'aws.events.x': '$.id' } } })).toMatch(/reserved/);
    expect(checkTargetInput({ Id: 't', Arn: 'x', InputTransformer: { InputTemplate: '{}', InputPathsMap: { a: 'detail' } } })).toMatch(/not a valid JSONPath/);
    expect(checkTargetInput({ Id: 't', Arn: 'x', InputTransformer: { InputTemplate: '<a>', InputPathsMap: { a: '$.id' } } })).toBeUndefined();
  });
});
