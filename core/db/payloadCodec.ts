import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ValidationError } from '../../schemas/errors';

/**
 * Turns payloads (inputs, outputs, frames, history details) into what the journal stores: JSON text
 * when no key is configured, AES-256-GCM ciphertext when one is. Ciphertext layout: 1 version byte,
 * 4-byte key id, 12-byte IV, 16-byte tag, then the encrypted UTF-8 JSON; the version byte, the key
 * id and the caller's table/row are associated data. Old keys still decrypt (rotation). Plaintext
 * rows are refused while a key is set. (Versions 1-4, without key id, are still read, except by
 * `decodeBound`.) Payloads of 8 KiB or more (a long step's
 * history) are deflated first: the JSON is repetitive, and writing 25× fewer bytes costs less than
 * compressing them. Binary payloads (history chunks, which begin with their own magic byte) are
 * stored as they are, deflated ('z') when large, or encrypted (versions 3 and 4).
 */
export interface PayloadCodec {
  /** `aad`: the table and row the value is stored in; authenticated with the ciphertext (ignored without a key). */
  encode(value: unknown, aad?: string): string | Buffer;
  /**
   * What the journal stores for bytes that are not JSON; `decode` gives them back as a Buffer. The
   * bytes must start with their own magic byte, at least 0x40 and neither 'Z' nor 'z'.
   */
  encodeBinary(bytes: Buffer, aad?: string): Buffer;
  /** Whether `encodeBinary` stores `size` bytes as they are (no encryption, no deflate). */
  keepsBinary(size: number): boolean;
  /** The value `encode` stored, or the Buffer `encodeBinary` stored. */
  decode(stored: string | Buffer | null | undefined, aad?: string): unknown;
  /**
   * `decode` for a value that must be bound to `aad` (the journal's columns, once bound): ciphertext
   * written before associated data (versions 1-4) is refused too, not only ciphertext bound elsewhere.
   */
  decodeBound(stored: string | Buffer | null | undefined, aad: string): unknown;
  /** A keyed digest (HMAC when encrypted) for equality checks without decrypting. */
  digest(text: string): string;
  readonly encrypted: boolean;
  /** Hex id of the key new payloads are sealed with. */
  readonly keyId: string | undefined;
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
/** Versions 1-4 plus 4: the same, with the key id after the version byte and associated data. */
const KEYED = 5;
const KEYED_DEFLATED = 6;
const KEYED_BINARY = 7;
const KEYED_BINARY_DEFLATED = 8;
const KEY_ID_BYTES = 4;
const PLAINTEXT_REFUSED = 'the journal holds a plaintext payload but an encryption key is set; plaintext rows are refused (start from an empty data directory to turn encryption on)';
const COMPRESS_MIN = 8 * 1024;

/** A ciphertext that does not authenticate where it is read: moved from another row or column, or altered. */
export class PayloadBindingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadBindingError';
  }
}
const moved = (aad: string | undefined): PayloadBindingError =>
  new PayloadBindingError(`the payload stored at ${aad ?? '(no binding)'} does not decrypt there: it was copied from another row or column, or altered`);
const unboundRefused = (aad: string): PayloadBindingError =>
  new PayloadBindingError(
    `the payload stored at ${aad} is ciphertext without a row binding (written before clinflow bound journal rows); this journal's rows were all re-bound when it was upgraded, so this one was put there since`,
  );

/** The associated data: the ciphertext's header (version, key id) and where it is stored. */
const aadOf = (header: Buffer, where: string | undefined): Buffer => Buffer.concat([header, Buffer.from(`\0${where ?? ''}`, 'utf8')]);
/** Binary chunks are already deduplicated: deflate buys less, so only big ones pay for it. */
const COMPRESS_BINARY_MIN = 64 * 1024;

const deflate = (text: string): Buffer => deflateRawSync(Buffer.from(text, 'utf8'), { level: 1 });

/** Parses a 32-byte key given as a Buffer, 64 hex characters or base64. */
export function parseEncryptionKey(key: Buffer | string): Buffer {
  const buf = typeof key !== 'string' ? key : /^[0-9a-fA-F]{64}$/.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64');
  if (buf.length !== 32) throw new ValidationError('ValidationException', [{ path: 'encryptionKey', message: 'must be 32 bytes (64 hex characters or base64)' }]);
  return buf;
}

/**
 * The keys a codec encrypts and decrypts with: `key` encrypts (and decrypts), `oldKeys` only
 * decrypt, so a key can be rotated without rewriting the journal.
 */
export interface EncryptionKeys {
  key: Buffer | string;
  oldKeys?: readonly (Buffer | string)[];
}

export interface KeyEntry {
  /** First 4 bytes of HMAC-SHA256(key, "clinflow key id"): names the key in each ciphertext. */
  id: Buffer;
  key: Buffer;
}

export function keyEntryOf(key: Buffer | string): KeyEntry {
  const k = parseEncryptionKey(key);
  return { id: createHmac('sha256', k).update('clinflow key id').digest().subarray(0, KEY_ID_BYTES), key: k };
}

/** A key check value: shows that a configured key is the one a journal was written with, without revealing it. */
export function keyCheckValue(key: Buffer | string): string {
  return createHmac('sha256', parseEncryptionKey(key)).update('clinflow key check value').digest('base64url');
}

function keyRingOf(keys: Buffer | string | EncryptionKeys): { current: KeyEntry; all: KeyEntry[] } {
  const spec = typeof keys === 'string' || Buffer.isBuffer(keys) ? { key: keys } : keys;
  const current = keyEntryOf(spec.key);
  return { current, all: [current, ...(spec.oldKeys ?? []).map(keyEntryOf)] };
}

/**
 * `compressMin`: payloads at least this long (JSON characters) are deflated; Infinity turns it off.
 * With keys, each value is sealed with the current key, and `aad` (what a caller passes: its table
 * and row) is authenticated with it, so a ciphertext moved to another row does not decrypt.
 */
export function createPayloadCodec(keys?: Buffer | string | EncryptionKeys, options: { compressMin?: number } = {}): PayloadCodec {
  const ring = keys === undefined ? undefined : keyRingOf(keys);
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
  const decodeWithoutKey = (stored: string | Buffer | null | undefined): unknown => {
    if (stored === null || stored === undefined) return undefined;
    if (typeof stored === 'string') return fromText(stored);
    const plain = decodePlain(stored);
    if (plain !== undefined) return plain;
    throw new Error('journal holds encrypted payloads but no encryption key is configured');
  };
  if (!ring) {
    return {
      encrypted: false,
      keyId: undefined,
      encode(value) {
        const text = toText(value);
        return text.length < compressMin ? text : Buffer.concat([Buffer.of(PLAIN_DEFLATED), deflate(text)]);
      },
      keepsBinary: (size) => size < compressBinaryMin,
      encodeBinary(bytes) {
        checkMagic(bytes);
        return bytes.length < compressBinaryMin ? bytes : Buffer.concat([Buffer.of(PLAIN_BINARY_DEFLATED), deflateRawSync(bytes, { level: 1 })]);
      },
      decode: decodeWithoutKey,
      decodeBound: (stored) => decodeWithoutKey(stored),
      digest: (text) => createHmac('sha256', 'clinflow').update(text).digest('base64url'),
    };
  }
  const current = ring.current;
  const byId = new Map(ring.all.map((e) => [e.id.toString('hex'), e.key]));
  const seal = (version: number, plain: Buffer, aad: string | undefined): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    const header = Buffer.concat([Buffer.of(version), current.id]);
    cipher.setAAD(aadOf(header, aad));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
  };
  const open = (stored: Buffer, aad: string | undefined): { version: number; bytes: Buffer } => {
    const version = stored[0] ?? 0;
    if (version >= KEYED && version <= KEYED_BINARY_DEFLATED) {
      const id = stored.subarray(1, 1 + KEY_ID_BYTES);
      const key = byId.get(id.toString('hex'));
      if (!key) throw new Error(`a payload is encrypted with key ${id.toString('hex')}, which is neither the encryption key nor one of the old keys (CLINFLOW_ENCRYPTION_OLD_KEYS)`);
      const at = 1 + KEY_ID_BYTES;
      const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(at, at + 12));
      decipher.setAAD(aadOf(stored.subarray(0, at), aad));
      decipher.setAuthTag(stored.subarray(at + 12, at + 28));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(stored.subarray(at + 28)), decipher.final()]);
      } catch {
        throw moved(aad);
      }
      const deflated = version === KEYED_DEFLATED || version === KEYED_BINARY_DEFLATED;
      return { version: version - (KEYED - VERSION), bytes: deflated ? inflateRawSync(plain) : plain };
    }
    // Versions 1-4: written before key ids and associated data, with the key of that time.
    if (version < VERSION || version > VERSION_BINARY_DEFLATED) throw new Error(PLAINTEXT_REFUSED);
    let lastError: unknown;
    for (const { key } of ring.all) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(1, 13));
        decipher.setAuthTag(stored.subarray(13, 29));
        const plain = Buffer.concat([decipher.update(stored.subarray(29)), decipher.final()]);
        const deflated = version === VERSION_DEFLATED || version === VERSION_BINARY_DEFLATED;
        return { version, bytes: deflated ? inflateRawSync(plain) : plain };
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError instanceof Error ? lastError : new Error('cannot decrypt a payload');
  };
  const decode = (stored: string | Buffer | null | undefined, aad?: string): unknown => {
    if (stored === null || stored === undefined) return undefined;
    // Plaintext while a key is set is refused: it was either written before encryption was
    // turned on or put there by someone other than clinflow, and neither may pass as ours.
    if (typeof stored === 'string') throw new Error(PLAINTEXT_REFUSED);
    const { version, bytes } = open(stored, aad);
    return version === VERSION_BINARY || version === VERSION_BINARY_DEFLATED ? bytes : fromText(bytes.toString('utf8'));
  };
  return {
    encrypted: true,
    keyId: current.id.toString('hex'),
    encode(value, aad) {
      const text = toText(value);
      const deflated = text.length >= compressMin;
      return seal(deflated ? KEYED_DEFLATED : KEYED, deflated ? deflate(text) : Buffer.from(text, 'utf8'), aad);
    },
    keepsBinary: () => false,
    encodeBinary(bytes, aad) {
      checkMagic(bytes);
      const deflated = bytes.length >= compressBinaryMin;
      return seal(deflated ? KEYED_BINARY_DEFLATED : KEYED_BINARY, deflated ? deflateRawSync(bytes, { level: 1 }) : bytes, aad);
    },
    decode,
    decodeBound(stored, aad) {
      const version = Buffer.isBuffer(stored) ? (stored[0] ?? 0) : 0;
      if (version >= VERSION && version <= VERSION_BINARY_DEFLATED) throw unboundRefused(aad);
      return decode(stored, aad);
    },
    digest: (text) => createHmac('sha256', current.key).update(text).digest('base64url'),
  };
}
