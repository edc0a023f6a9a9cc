import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { ValidationError } from '../../schemas/errors';

/**
 * Turns payloads (inputs, outputs, frames, history details) into what the journal stores: JSON text
 * when no key is configured, AES-256-GCM ciphertext when one is. Ciphertext layout: 1 version byte,
 * 12-byte IV, 16-byte tag, then the encrypted UTF-8 JSON. Rows written without a key stay readable
 * after a key is added (text is recognised by its type).
 */
export interface PayloadCodec {
  encode(value: unknown): string | Buffer;
  decode(stored: string | Buffer | null | undefined): unknown;
  /** A keyed digest (HMAC when encrypted) for equality checks without decrypting. */
  digest(text: string): string;
  readonly encrypted: boolean;
}

const VERSION = 1;

/** Parses a 32-byte key given as a Buffer, 64 hex characters or base64. */
export function parseEncryptionKey(key: Buffer | string): Buffer {
  const buf = typeof key !== 'string' ? key : /^[0-9a-fA-F]{64}$/.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64');
  if (buf.length !== 32) throw new ValidationError('ValidationException', [{ path: 'encryptionKey', message: 'must be 32 bytes (64 hex characters or base64)' }]);
  return buf;
}

export function createPayloadCodec(key?: Buffer | string): PayloadCodec {
  const k = key === undefined ? undefined : parseEncryptionKey(key);
  const toText = (value: unknown): string => (value === undefined ? 'null' : JSON.stringify(value));
  const fromText = (text: string): unknown => JSON.parse(text) as unknown;
  if (!k) {
    return {
      encrypted: false,
      encode: toText,
      decode(stored) {
        if (stored === null || stored === undefined) return undefined;
        if (typeof stored === 'string') return fromText(stored);
        throw new Error('journal holds encrypted payloads but no encryption key is configured');
      },
      digest: (text) => createHmac('sha256', 'clinflow').update(text).digest('base64url'),
    };
  }
  return {
    encrypted: true,
    encode(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', k, iv);
      const body = Buffer.concat([cipher.update(toText(value), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]);
    },
    decode(stored) {
      if (stored === null || stored === undefined) return undefined;
      if (typeof stored === 'string') return fromText(stored);
      if (stored[0] !== VERSION) throw new Error('unknown payload encryption version');
      const decipher = createDecipheriv('aes-256-gcm', k, stored.subarray(1, 13));
      decipher.setAuthTag(stored.subarray(13, 29));
      return fromText(Buffer.concat([decipher.update(stored.subarray(29)), decipher.final()]).toString('utf8'));
    },
    digest: (text) => createHmac('sha256', k).update(text).digest('base64url'),
  };
}
