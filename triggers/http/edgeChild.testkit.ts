/**
 * Child process for the HTTP-edge abuse test: serves the trigger endpoints (one HMAC-only Medplum
 * source) over a SQLite file in the given directory and prints its port. Each line on stdin is
 * answered with `rss closed bytesRead`: the process's RSS in bytes (after a GC when --expose-gc is
 * on), how many connections have closed and how many bytes the server read from them, so the
 * parent measures the server alone, not its own client sockets.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase } from '../../core/db/openDatabase';
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { uuidIds } from '../../core/clock/ids';
import { systemClock } from '../../core/clock/systemClock';
import { createHttpServer } from './createHttpServer';

export const EDGE_SECRET = 'edge-secret';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: edgeChild <dir>');
  const db = openDatabase(join(dir, 'clinflow.sqlite'));
  const bus = new LocalEventBus({ db, clock: systemClock, ids: uuidIds });
  const http = createHttpServer(
    { sources: { mp: { kind: 'medplum', baseUrl: 'https://medplum.example.org/fhir', auth: { hmacSecret: EDGE_SECRET } } }, maxConnections: 1024 },
    { db, bus, clock: systemClock },
  );
  let closed = 0;
  let closedBytes = 0;
  http.server.on('connection', (socket) =>
    socket.on('close', () => {
      closed += 1;
      closedBytes += socket.bytesRead;
    }),
  );
  const { port } = await http.listen(0, '127.0.0.1');
  process.stdout.write(`${port}\n`);
  createInterface({ input: process.stdin }).on('line', () => {
    (globalThis as { gc?: () => void }).gc?.();
    process.stdout.write(`${process.memoryUsage().rss} ${closed} ${closedBytes}\n`);
  });
}

void main();
