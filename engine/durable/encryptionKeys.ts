import { ensureSchema, type Db } from '../../core/db/openDatabase';
import { type EncryptionKeys, keyCheckValue, keyEntryOf } from '../../core/db/payloadCodec';

/** A data directory's keys do not match the configuration: the process must not start. */
export class EncryptionKeyMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionKeyMismatch';
  }
}

/** Parses `CLINFLOW_ENCRYPTION_KEY` and `CLINFLOW_ENCRYPTION_OLD_KEYS` (comma-separated) from an environment. */
export function encryptionKeysFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionKeys | undefined {
  const key = env.CLINFLOW_ENCRYPTION_KEY?.trim();
  const oldKeys = (env.CLINFLOW_ENCRYPTION_OLD_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (!key) {
    if (oldKeys.length > 0) throw new EncryptionKeyMismatch('CLINFLOW_ENCRYPTION_OLD_KEYS is set without CLINFLOW_ENCRYPTION_KEY');
    return undefined;
  }
  return { key, oldKeys };
}

/**
 * Checks the configured keys against the key check values the database recorded, before anything
 * reads or writes a payload, and records the current key. Refuses (EncryptionKeyMismatch) when a key
 * has the id of a recorded one but not its check value (a wrong key), when a key the data was
 * written with is no longer configured (neither current nor old), and when the data was encrypted
 * but no key is set. A new key becomes current; the one before it must be listed as old.
 */
export function verifyEncryptionKeys(db: Db, keys: EncryptionKeys | undefined, now: number): void {
  ensureSchema(db, 'encryption', ['CREATE TABLE encryption_keys (key_id TEXT PRIMARY KEY, check_value TEXT NOT NULL, added_ms INTEGER NOT NULL)']);
  const recorded = db.prepare('SELECT key_id, check_value FROM encryption_keys').all() as { key_id: string; check_value: string }[];
  if (!keys) {
    if (recorded.length > 0) throw new EncryptionKeyMismatch('this data directory is encrypted: set CLINFLOW_ENCRYPTION_KEY to its key');
    return;
  }
  const configured = [keys.key, ...(keys.oldKeys ?? [])].map((k) => ({ id: keyEntryOf(k).id.toString('hex'), check: keyCheckValue(k) }));
  for (const r of recorded) {
    const match = configured.find((c) => c.id === r.key_id);
    if (!match) {
      throw new EncryptionKeyMismatch(
        `this data directory was encrypted with key ${r.key_id}, which is not configured: set CLINFLOW_ENCRYPTION_KEY to it, or list it in CLINFLOW_ENCRYPTION_OLD_KEYS after a rotation`,
      );
    }
    if (match.check !== r.check_value) throw new EncryptionKeyMismatch(`the configured key with id ${r.key_id} is not the key this data directory was encrypted with (key check value differs)`);
  }
  const current = configured[0];
  if (current) db.prepare('INSERT OR IGNORE INTO encryption_keys (key_id, check_value, added_ms) VALUES (?, ?, ?)').run(current.id, current.check, now);
}
