import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ValidationError } from '../../schemas/errors';

/**
 * Turns payloads (inputs, outputs, frames, history details) into what the journal stores: JSON text
 * when no key is configured, AES-256-GCM ciphertext when one is. Ciphertext layout: 1 version byte,
 * 12-byte IV, 16-byte tag, then the encrypted UTF-8 JSON. Rows written without a key stay readable
 * after a key is added (text is recognised by its type). Payloads of 8 KiB or more (a long step's
 * history) are deflated first: the JSON is repetitive, and writing 25× fewer bytes costs less than
 * compressing them.
 */
export interface PayloadCodec {
  encode(value: unknown): string | Buffer;
  decode(stored: string | Buffer | null | undefined): unknown;
  /** A keyed digest (HMAC when encrypted) for equality checks without decrypting. */
  digest(text: string): string;
  readonly encrypted: boolean;
}

const VERSION = 1;
/** Encrypted, and the plaintext is deflated. */
const VERSION_DEFLATED = 2;
/** Not encrypted, deflated ('Z'). */
const PLAIN_DEFLATED = 0x5a;
const COMPRESS_MIN = 8 * 1024;

const deflate = (text: string): Buffer => deflateRawSync(Buffer.from(text, 'utf8'), { level: 1 });

/** Parses a 32-byte key given as a Buffer, 64 hex characters or base64. */
export function parseEncryptionKey(key: Buffer | string): Buffer {
  const buf = typeof key !== 'string' ? key : /^[0-9a-fA-F]{64}$/.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64');
  if (buf.length !== 32) throw new ValidationError('ValidationException', [{ path: 'encryptionKey', message: 'must be 32 bytes (64 hex characters or base64)' }]);
  return buf;
}

/** `compressMin`: payloads at least this long (JSON characters) are deflated; Infinity turns it off. */
export function createPayloadCodec(key?: Buffer | string, options: { compressMin?: number } = {}): PayloadCodec {
  const k = key === undefined ? undefined : parseEncryptionKey(key);
  const compressMin = options.compressMin ?? COMPRESS_MIN;
  const toText = (value: unknown): string => (value === undefined ? 'null' : JSON.stringify(value));
  const fromText = (text: string): unknown => JSON.parse(text) as unknown;
  if (!k) {
    return {
      encrypted: false,
      encode(value) {
        const text = toText(value);
        return text.length < compressMin ? text : Buffer.concat([Buffer.of(PLAIN_DEFLATED), deflate(text)]);
      },
      decode(stored) {
        if (stored === null || stored === undefined) return undefined;
        if (typeof stored === 'string') return fromText(stored);
        if (stored[0] === PLAIN_DEFLATED) return fromText(inflateRawSync(stored.subarray(1)).toString('utf8'));
        throw new Error('journal holds encrypted payloads but no encryption key is configured');
      },
      digest: (text) => createHmac('sha256', 'clinflow').update(text).digest('base64url'),
    };
  }
  return {
    encrypted: true,
    encode(value) {
      const text = toText(value);
      const deflated = text.length >= compressMin;
      const plain = deflated ? deflate(text) : Buffer.from(text, 'utf8');
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', k, iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([Buffer.of(deflated ? VERSION_DEFLATED : VERSION), iv, cipher.getAuthTag(), body]);
    },
    decode(stored) {
      if (stored === null || stored === undefined) return undefined;
      if (typeof stored === 'string') return fromText(stored);
      if (stored[0] === PLAIN_DEFLATED) return fromText(inflateRawSync(stored.subarray(1)).toString('utf8'));
      if (stored[0] !== VERSION && stored[0] !== VERSION_DEFLATED) throw new Error('unknown payload encryption version');
      const decipher = createDecipheriv('aes-256-gcm', k, stored.subarray(1, 13));
      decipher.setAuthTag(stored.subarray(13, 29));
      const plain = Buffer.concat([decipher.update(stored.subarray(29)), decipher.final()]);
      return fromText((stored[0] === VERSION_DEFLATED ? inflateRawSync(plain) : plain).toString('utf8'));
    },
    digest: (text) => createHmac('sha256', k).update(text).digest('base64url'),
  };
}
