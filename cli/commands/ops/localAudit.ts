import { AuditLog, hashRequest } from '../../../api/audit/auditLog';
import { loadLocalCredentials } from '../../../api/auth/localCredentials';
import { openLocalDatabase } from './localDatabase';

/**
 * One audit row for what an ops command changes directly in the local data directory (dead-letter
 * redrives, a FHIR Task ended by hand): the same append-only, hash-chained trail the API writes to,
 * under the local operator key the command signs with. The parameters are hashed, never stored.
 */
export function auditLocally(dataDir: string, entry: { action: string; resource: string; outcome: string; params: unknown }, env: NodeJS.ProcessEnv = process.env): void {
  const key = loadLocalCredentials(dataDir, env, false)?.operator.accessKeyId ?? 'local-cli';
  const db = openLocalDatabase(dataDir);
  try {
    new AuditLog(db).append({
      atMs: Date.now(),
      accessKey: key,
      sourceIp: 'local-cli',
      service: 'clinflow',
      action: entry.action,
      resource: entry.resource,
      kind: 'change',
      outcome: entry.outcome,
      requestHash: hashRequest(JSON.stringify(entry.params)),
    });
  } finally {
    db.close();
  }
}
