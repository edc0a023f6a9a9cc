/**
 * The API server of `npm run bench -- api`'s history read, in its own process as `clinflow dev`
 * runs: a fresh database with the bench's ~25 000-event execution. Prints one JSON line (endpoint,
 * executionArn) when ready; the bench kills it when done.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiFixture } from '../api/apiFixture.testkit';
import { bigHistory } from './api.bench';

const dir = mkdtempSync(join(tmpdir(), 'clinflow-bench-history-'));
const f = await startApiFixture({ database: join(dir, 'clinflow.db') });
f.server.keepAliveTimeout = 120_000;
const executionArn = await bigHistory(f.engine);
const stop = (): void => {
  void f.close().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdout.write(`${JSON.stringify({ endpoint: f.endpoint, executionArn })}\n`);
