import { createCipheriv, randomBytes } from 'node:crypto';
import { createPayloadCodec, PayloadBindingError } from './payloadCodec';

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

  it('encrypts with AES-256-GCM, detects tampering, and refuses rows written without the key', () => {
    const enc = createPayloadCodec(key);
    const small = enc.encode({ secret: 'Patient/123' }) as Buffer;
    expect(small.includes(Buffer.from('Patient/123'))).toBe(false);
    expect(enc.decode(small)).toEqual({ secret: 'Patient/123' });
    expect(enc.decode(enc.encode(big))).toEqual(big);
    const tampered = Buffer.from(small);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => enc.decode(tampered)).toThrow();
    expect(() => enc.decode(createPayloadCodec().encode({ old: true }))).toThrow(/plaintext/);
    expect(() => createPayloadCodec().decode(small)).toThrow(/no encryption key/);
    expect(() => createPayloadCodec(Buffer.alloc(16))).toThrow(/32 bytes/);
    expect(createPayloadCodec('07'.repeat(32)).decode(small)).toEqual({ secret: 'Patient/123' });
  });

  it('stores binary payloads as they are (small), deflated (large) or encrypted, and gives back the bytes', () => {
    const small = Buffer.concat([Buffer.from('H'), Buffer.alloc(100, 1)]);
    const large = Buffer.concat([Buffer.from('H'), Buffer.alloc(200_000, 2)]);
    const plain = createPayloadCodec();
    expect(plain.encodeBinary(small)).toBe(small);
    const packed = plain.encodeBinary(large);
    expect(packed.length).toBeLessThan(large.length / 10);
    expect(plain.decode(packed)).toEqual(large);
    expect(plain.decode(small)).toEqual(small);
    const enc = createPayloadCodec(key);
    for (const bytes of [small, large]) {
      const sealed = enc.encodeBinary(bytes);
      expect(sealed.includes(bytes.subarray(0, 64))).toBe(false);
      expect(enc.decode(sealed)).toEqual(bytes);
    }
    // Binary rows written without a key are refused once one is set.
    expect(() => enc.decode(plain.encodeBinary(small))).toThrow(/plaintext/);
    expect(() => plain.encodeBinary(Buffer.from('Z'))).toThrow(/magic byte/);
    expect(() => plain.encodeBinary(Buffer.of(1, 2))).toThrow(/magic byte/);
  });

  it('names the key in each ciphertext and binds it to its row (associated data)', () => {
    const enc = createPayloadCodec(key);
    const sealed = enc.encode({ dose: '08:00' }, 'table|row-1') as Buffer;
    expect(sealed[0]).toBe(5);
    expect(sealed.subarray(1, 5).toString('hex')).toBe(enc.keyId);
    expect(enc.decode(sealed, 'table|row-1')).toEqual({ dose: '08:00' });
    expect(() => enc.decode(sealed, 'table|row-2')).toThrow();
    expect(() => enc.decode(sealed)).toThrow();
  });

  it('decodeBound: a ciphertext bound elsewhere, or not bound at all, is a PayloadBindingError naming the place', () => {
    const enc = createPayloadCodec(key);
    const sealed = enc.encode({ dose: '08:00' }, 'table.col|1') as Buffer;
    expect(enc.decodeBound(sealed, 'table.col|1')).toEqual({ dose: '08:00' });
    expect(() => enc.decodeBound(sealed, 'table.col|2')).toThrow(PayloadBindingError);
    expect(() => enc.decodeBound(sealed, 'table.col|2')).toThrow(/stored at table\.col\|2 does not decrypt there/);
    // Sealed without a row (as journals were before binding): refused where a binding is required.
    expect(() => enc.decodeBound(enc.encode({ dose: '08:00' }), 'table.col|1')).toThrow(PayloadBindingError);
    // Version 1 (before key ids): decode still reads it, decodeBound refuses it.
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([c.update('{"dose":"08:00"}', 'utf8'), c.final()]);
    const v1 = Buffer.concat([Buffer.of(1), iv, c.getAuthTag(), body]);
    expect(enc.decode(v1, 'table.col|1')).toEqual({ dose: '08:00' });
    expect(() => enc.decodeBound(v1, 'table.col|1')).toThrow(/without a row binding/);
    // Without a key there is nothing to bind: decodeBound reads plain JSON like decode.
    expect(createPayloadCodec().decodeBound('{"a":1}', 'table.col|1')).toEqual({ a: 1 });
  });

  it('rotation: a new key encrypts, old keys still decrypt, an unknown key id is named', () => {
    const oldKey = Buffer.alloc(32, 1);
    const newKey = Buffer.alloc(32, 2);
    const before = createPayloadCodec(oldKey).encode({ v: 1 }, 'r') as Buffer;
    const rotated = createPayloadCodec({ key: newKey, oldKeys: [oldKey] });
    expect(rotated.decode(before, 'r')).toEqual({ v: 1 });
    const after = rotated.encode({ v: 2 }, 'r') as Buffer;
    expect(after.subarray(1, 5).toString('hex')).toBe(createPayloadCodec(newKey).keyId);
    expect(() => createPayloadCodec(newKey).decode(before, 'r')).toThrow(/neither the encryption key nor one of the old keys/);
  });
});
