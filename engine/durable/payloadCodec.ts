import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ValidationError } from '../../schemas/errors';

/**
 * Turns payloads (inputs, outputs, frames, history details) into what the journal stores: JSON text
 * when no key is configured, AES-256-GCM ciphertext when one is. Ciphertext layout: 1 version byte,
 * 12-byte IV, 16-byte tag, then the encrypted UTF-8 JSON. Rows written without a key stay readable
 * after a key is added (text is recognised by its type). Payloads of 8 KiB or more (a long step's
 * history) are deflated first: the JSON is repetitive, and writing 25× fewer bytes costs less than
 * compressing them. Binary payloads (history chunks, which begin with their own magic byte) are
 * stored as they are, deflated ('z') when large, or encrypted (versions 3 and 4).
 */
export interface PayloadCodec {
  encode(value: unknown): string | Buffer;
  /**
   * What the journal stores for bytes that are not JSON; `decode` gives them back as a Buffer. The
   * bytes must start with their own magic byte, at least 0x40 and neither 'Z' nor 'z'.
   */
  encodeBinary(bytes: Buffer): Buffer;
  /** Whether `encodeBinary` stores `size` bytes as they are (no encryption, no deflate). */
  keepsBinary(size: number): boolean;
  /** The value `encode` stored, or the Buffer `encodeBinary` stored. */
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
/** Encrypted binary, and encrypted deflated binary. */
const VERSION_BINARY = 3;
const VERSION_BINARY_DEFLATED = 4;
/** Not encrypted, deflated binary ('z'). Undeflated binary is stored as is: it starts with its own magic byte. */
const PLAIN_BINARY_DEFLATED = 0x7a;
const COMPRESS_MIN = 8 * 1024;
/** Binary chunks are already deduplicated: deflate buys less, so only big ones pay for it. */
const COMPRESS_BINARY_MIN = 64 * 1024;

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
  const compressBinaryMin = Math.max(compressMin, COMPRESS_BINARY_MIN);
  const checkMagic = (bytes: Buffer): void => {
    const b = bytes[0];
    if (b === undefined || b < 0x40 || b === PLAIN_DEFLATED || b === PLAIN_BINARY_DEFLATED) throw new Error('binary payloads must start with a magic byte >= 0x40 (not Z/z)');
  };
  const decodePlain = (stored: Buffer): unknown => {
    if (stored[0] === PLAIN_DEFLATED) return fromText(inflateRawSync(stored.subarray(1)).toString('utf8'));
    if (stored[0] === PLAIN_BINARY_DEFLATED) return inflateRawSync(stored.subarray(1));
    if (stored[0] !== undefined && stored[0] >= 0x40) return stored;
    return undefined;
  };
  if (!k) {
    return {
      encrypted: false,
      encode(value) {
        const text = toText(value);
        return text.length < compressMin ? text : Buffer.concat([Buffer.of(PLAIN_DEFLATED), deflate(text)]);
      },
      keepsBinary: (size) => size < compressBinaryMin,
      encodeBinary(bytes) {
        checkMagic(bytes);
        return bytes.length < compressBinaryMin ? bytes : Buffer.concat([Buffer.of(PLAIN_BINARY_DEFLATED), deflateRawSync(bytes, { level: 1 })]);
      },
      decode(stored) {
        if (stored === null || stored === undefined) return undefined;
        if (typeof stored === 'string') return fromText(stored);
        const plain = decodePlain(stored);
        if (plain !== undefined) return plain;
        throw new Error('journal holds encrypted payloads but no encryption key is configured');
      },
      digest: (text) => createHmac('sha256', 'clinflow').update(text).digest('base64url'),
    };
  }
  const seal = (version: number, plain: Buffer): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', k, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.of(version), iv, cipher.getAuthTag(), body]);
  };
  return {
    encrypted: true,
    encode(value) {
      const text = toText(value);
      const deflated = text.length >= compressMin;
      return seal(deflated ? VERSION_DEFLATED : VERSION, deflated ? deflate(text) : Buffer.from(text, 'utf8'));
    },
    keepsBinary: () => false,
    encodeBinary(bytes) {
      checkMagic(bytes);
      const deflated = bytes.length >= compressBinaryMin;
      return seal(deflated ? VERSION_BINARY_DEFLATED : VERSION_BINARY, deflated ? deflateRawSync(bytes, { level: 1 }) : bytes);
    },
    decode(stored) {
      if (stored === null || stored === undefined) return undefined;
      if (typeof stored === 'string') return fromText(stored);
      const version = stored[0];
      if (version !== VERSION && version !== VERSION_DEFLATED && version !== VERSION_BINARY && version !== VERSION_BINARY_DEFLATED) {
        const plain = decodePlain(stored);
        if (plain !== undefined) return plain;
        throw new Error('unknown payload encryption version');
      }
      const decipher = createDecipheriv('aes-256-gcm', k, stored.subarray(1, 13));
      decipher.setAuthTag(stored.subarray(13, 29));
      const plain = Buffer.concat([decipher.update(stored.subarray(29)), decipher.final()]);
      const bytes = version === VERSION_DEFLATED || version === VERSION_BINARY_DEFLATED ? inflateRawSync(plain) : plain;
      return version === VERSION_BINARY || version === VERSION_BINARY_DEFLATED ? bytes : fromText(bytes.toString('utf8'));
    },
    digest: (text) => createHmac('sha256', k).update(text).digest('base64url'),
  };
}
