import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { AckStatus } from './taskStatus';
import { ensureSchema, type Db } from '../../core/db/openDatabase';

/** A parked `tasks.await` execution: which callback token a FHIR Task resumes. */
export interface CallbackEntry {
  /** `Task/id` */
  task: string;
  /** Base URL (or name) of the FHIR server holding the Task; '' when unknown. */
  server: string;
  taskToken: string;
  executionArn: string;
  stateName: string;
  /** The least Task status that resumes the step (normalizeUntil); absent on rows written before it existed: completed. */
  until?: AckStatus | undefined;
}

export interface CallbackStore {
  /** Records (or, on re-delivery, refreshes) the token for a Task; a token already used stays used. */
  register(entry: CallbackEntry, now: number): void;
  /** Atomically claims the unused token of a Task; undefined when none or already claimed. */
  claim(task: string, now: number): CallbackEntry | undefined;
  /** Gives a claimed token back after a transient failure to deliver it. */
  release(task: string): void;
  /** Whether an unused token is waiting on the Task. */
  isPending(task: string): boolean;
  /** The unused entry of a Task, without claiming it (a heartbeat leaves the token waiting). */
  get(task: string): CallbackEntry | undefined;
}

/**
 * The same contract where each call may be asynchronous (the DynamoDB store on AWS). Every
 * CallbackStore is one; the handlers and resumeOnTaskChange accept this wider type and await.
 */
export interface AsyncCallbackStore {
  register(entry: CallbackEntry, now: number): void | Promise<void>;
  claim(task: string, now: number): CallbackEntry | undefined | Promise<CallbackEntry | undefined>;
  release(task: string): void | Promise<void>;
  isPending(task: string): boolean | Promise<boolean>;
  get(task: string): CallbackEntry | undefined | Promise<CallbackEntry | undefined>;
}

const MIGRATIONS = [
  `CREATE TABLE human_task_callbacks (
     task TEXT PRIMARY KEY,
     server TEXT NOT NULL,
     task_token TEXT NOT NULL,
     execution_arn TEXT NOT NULL,
     state_name TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     used_at INTEGER
   )`,
  'ALTER TABLE human_task_callbacks ADD COLUMN until_status TEXT',
];

interface Row {
  task: string;
  server: string;
  task_token: string;
  execution_arn: string;
  state_name: string;
  until_status: string | null;
}

/**
 * The durable map FHIR Task → callback token (SQLite, the data directory's one database). Tokens are
 * secrets: with a 32-byte key they are stored AES-256-GCM encrypted; they never go to FHIR or logs.
 */
export function createCallbackStore(db: Db, options: { encryptionKey?: Buffer } = {}): CallbackStore {
  ensureSchema(db, 'human_task_callbacks', MIGRATIONS);
  const key = options.encryptionKey;
  if (key && key.length !== 32) throw new Error('callback store encryption key must be 32 bytes');
  const seal = (token: string): string => {
    if (!key) return token;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return `gcm:${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
  };
  const open = (stored: string): string => {
    if (!stored.startsWith('gcm:')) return stored;
    if (!key) throw new Error('callback token is encrypted but no key is configured');
    const raw = Buffer.from(stored.slice(4), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  };
  const upsert = db.prepare(
    `INSERT INTO human_task_callbacks (task, server, task_token, execution_arn, state_name, created_at, until_status) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(task) DO UPDATE SET task_token = excluded.task_token, execution_arn = excluded.execution_arn, state_name = excluded.state_name, until_status = excluded.until_status
     WHERE human_task_callbacks.used_at IS NULL`,
  );
  const claimStmt = db.prepare('UPDATE human_task_callbacks SET used_at = ? WHERE task = ? AND used_at IS NULL RETURNING task, server, task_token, execution_arn, state_name, until_status');
  const releaseStmt = db.prepare('UPDATE human_task_callbacks SET used_at = NULL WHERE task = ?');
  const pendingStmt = db.prepare('SELECT 1 FROM human_task_callbacks WHERE task = ? AND used_at IS NULL');
  const getStmt = db.prepare('SELECT task, server, task_token, execution_arn, state_name, until_status FROM human_task_callbacks WHERE task = ? AND used_at IS NULL');
  const entryOf = (row: Row | undefined): CallbackEntry | undefined =>
    row && { task: row.task, server: row.server, taskToken: open(row.task_token), executionArn: row.execution_arn, stateName: row.state_name, until: (row.until_status ?? 'completed') as AckStatus };
  return {
    register(entry, now) {
      upsert.run(entry.task, entry.server, seal(entry.taskToken), entry.executionArn, entry.stateName, now, entry.until ?? 'completed');
    },
    claim(task, now) {
      return entryOf(claimStmt.get(now, task) as Row | undefined);
    },
    release(task) {
      releaseStmt.run(task);
    },
    isPending(task) {
      return pendingStmt.get(task) !== undefined;
    },
    get(task) {
      return entryOf(getStmt.get(task) as Row | undefined);
    },
  };
}
