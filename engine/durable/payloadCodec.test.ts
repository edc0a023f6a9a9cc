import { createPayloadCodec } from './payloadCodec';

describe('payloadCodec', () => {
  const big = { items: Array.from({ length: 2000 }, (_, i) => ({ i, patient: `Patient/${i}` })) };
  const key = Buffer.alloc(32, 7);

  it('round-trips small and large payloads, deflating large ones', () => {
    const plain = createPayloadCodec();
    expect(typeof plain.encode({ a: 1 })).toBe('string');
    const stored = plain.encode(big);
    expect(Buffer.isBuffer(stored)).toBe(true);
    expect(stored.length).toBeLessThan(JSON.stringify(big).length / 5);
    expect(plain.decode(stored)).toEqual(big);
    expect(plain.decode(plain.encode(undefined))).toBeNull();
  });

  it('encrypts with AES-256-GCM, detects tampering, and still reads rows written before the key', () => {
    const enc = createPayloadCodec(key);
    const small = enc.encode({ secret: 'Patient/123' }) as Buffer;
    expect(small.includes(Buffer.from('Patient/123'))).toBe(false);
    expect(enc.decode(small)).toEqual({ secret: 'Patient/123' });
    expect(enc.decode(enc.encode(big))).toEqual(big);
    const tampered = Buffer.from(small);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => enc.decode(tampered)).toThrow();
    expect(enc.decode(createPayloadCodec().encode({ old: true }))).toEqual({ old: true });
    expect(() => createPayloadCodec().decode(small)).toThrow(/no encryption key/);
    expect(() => createPayloadCodec(Buffer.alloc(16))).toThrow(/32 bytes/);
    expect(createPayloadCodec('07'.repeat(32)).decode(small)).toEqual({ secret: 'Patient/123' });
  });
});
