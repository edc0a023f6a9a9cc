import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../core/db/openDatabase';
import { UsageError } from '../../usageError';

/** The local data directory's database, for what only lives locally (audit trail, dead letters, task callbacks). */
export function openLocalDatabase(dataDir: string): Db {
  const file = join(dataDir, 'clinflow.db');
  if (!existsSync(file)) throw new UsageError(`no local database at ${file} (run \`clinflow dev\` or pass --data-dir)`);
  return openDatabase(file);
}
