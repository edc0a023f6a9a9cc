import { hasIdempotencyTag, idempotencyCode, idempotencyCondition, logicalKey, withIdempotencyTag } from './idempotency';

const ARN = 'arn:aws:states:us-east-1:000000000000:execution:wf:run-1';

describe('idempotency keys', () => {
  it('drops the retry count of an engine key, keeps the visit and Map indexes', () => {
    expect(logicalKey(`${ARN}|Create#1|0`)).toBe(`${ARN}|Create#1`);
    expect(logicalKey(`${ARN}|Create#1|2`)).toBe(`${ARN}|Create#1`);
    expect(logicalKey(`${ARN}|Create#1|2|4|0`)).toBe(`${ARN}|Create#1|4|0`);
    expect(logicalKey(`${ARN}|Create#2|0`)).not.toBe(logicalKey(`${ARN}|Create#1|0`));
    expect(logicalKey('exec|send|1')).toBe('exec|send|1');
    expect(idempotencyCode(`${ARN}|Create#1|0`)).toBe(idempotencyCode(`${ARN}|Create#1|3`));
    expect(idempotencyCode(`${ARN}|Create#1|0|1`)).not.toBe(idempotencyCode(`${ARN}|Create#1|0|2`));
  });

  it('tags accumulate and the condition finds the tag', () => {
    const a = withIdempotencyTag({ resourceType: 'Task' }, 'urn:k', 'k1');
    const b = withIdempotencyTag(a, 'urn:k', 'k2');
    expect(withIdempotencyTag(b, 'urn:k', 'k2')).toBe(b);
    expect(hasIdempotencyTag(b, 'urn:k', 'k1') && hasIdempotencyTag(b, 'urn:k', 'k2')).toBe(true);
    expect(idempotencyCondition('urn:k', 'k1')).toBe(`_tag=${encodeURIComponent(`urn:k|${idempotencyCode('k1')}`)}`);
  });
});
