import { createHash } from 'node:crypto';
import type { Db } from '../../core/db/openDatabase';
import { ensureTriggerSchema } from '../fhir/triggerSchema';

export interface StoredResponse {
  requestDigest: string;
  status: number;
  body: string;
}

/**
 * `Idempotency-Key` for `POST /events` (IETF draft-ietf-httpapi-idempotency-key-header): the answer
 * to a request is kept under a hash of the caller and the key, so a client that retries after a
 * connection reset gets the first answer instead of a second set of events. The answer holds event
 * ids only (no detail). The handler records it inside the bus's transaction when the bus shares
 * this database (the local bus): a crash cannot fall between the events and their answer. With a
 * bus elsewhere (EventBridge) it is recorded after the bus answered, and a crash between the two
 * can publish a retry again (at-least-once).
 */
export class IdempotencyStore {
  private readonly get: (id: string) => { request_digest: string; status: number; body: string } | undefined;
  private readonly put: (id: string, digest: string, status: number, body: string, at: number) => void;
  private readonly purge: (before: number) => number;

  constructor(readonly db: Db) {
    ensureTriggerSchema(db);
    const get = db.prepare('SELECT request_digest, status, body FROM trigger_events_idempotency WHERE id = ?');
    const put = db.prepare('INSERT OR IGNORE INTO trigger_events_idempotency (id, request_digest, status, body, created_at) VALUES (?, ?, ?, ?, ?)');
    const purge = db.prepare('DELETE FROM trigger_events_idempotency WHERE created_at < ?');
    this.get = (id) => get.get(id) as { request_digest: string; status: number; body: string } | undefined;
    this.put = (id, digest, status, body, at) => void put.run(id, digest, status, body, at);
    this.purge = (before) => purge.run(before).changes;
  }

  /** The row id: the key is the client's, scoped by the credential it came with. */
  static idOf(caller: string, key: string): string {
    return createHash('sha256').update(caller).update('\0').update(key).digest('base64url');
  }

  static digestOf(body: Buffer): string {
    return createHash('sha256').update(body).digest('base64url');
  }

  lookup(id: string): StoredResponse | undefined {
    const row = this.get(id);
    return row && { requestDigest: row.request_digest, status: row.status, body: row.body };
  }

  record(id: string, response: StoredResponse, at: number): void {
    this.put(id, response.requestDigest, response.status, response.body, at);
  }

  purgeBefore(before: number): number {
    return this.purge(before);
  }
}
