/**
 * Child process for the crash test: serves the trigger endpoints over a SQLite file in the given
 * directory, publishing to the real local bus, and prints its port. The parent kills it with SIGKILL mid-load.
 */
import { join } from 'node:path';
import { openDatabase } from '../../core/db/openDatabase';
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { uuidIds } from '../../core/clock/ids';
import { systemClock } from '../../core/clock/systemClock';
import { createHttpServer } from './createHttpServer';

export const CRASH_TOKEN = 'crash-token';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: crashChild <dir>');
  const db = openDatabase(join(dir, 'clinflow.sqlite'));
  const bus = new LocalEventBus({ db, clock: systemClock, ids: uuidIds });
  const http = createHttpServer(
    { sources: { ehr: { kind: 'fhir', baseUrl: 'https://ehr.example.org/fhir', auth: { bearerToken: CRASH_TOKEN } } }, routingAttributes: { MedicationRequest: ['status'] } },
    { db, bus, clock: systemClock },
  );
  const { port } = await http.listen(0, '127.0.0.1');
  process.stdout.write(`${port}\n`);
}

void main();
