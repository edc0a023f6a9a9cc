/**
 * Child process for the bus crash test: puts events one at a time on a LocalEventBus over a
 * SQLite file in the given directory and prints `ack <EventId>` after each PutEvents answer. The
 * parent kills it with SIGKILL mid-stream.
 */
import { join } from 'node:path';
import { uuidIds } from '../../core/clock/ids';
import { systemClock } from '../../core/clock/systemClock';
import { openDatabase } from '../../core/db/openDatabase';
import { LocalEventBus } from './localEventBus';

export const CRASH_STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:crash';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: busCrashChild <dir>');
  const bus = new LocalEventBus({ db: openDatabase(join(dir, 'clinflow.sqlite')), clock: systemClock, ids: uuidIds });
  bus.putRule({ Name: 'all-fhir', EventPattern: JSON.stringify({ source: ['clinflow.fhir'] }) });
  bus.putTargets({ Rule: 'all-fhir', Targets: [{ Id: 'sm', Arn: CRASH_STATE_MACHINE }] });
  for (let n = 0; ; n++) {
    const res = await bus.putEvents([{ Source: 'clinflow.fhir', DetailType: 'FHIR Resource Changed', Detail: JSON.stringify({ n }) }]);
    const id = res.Entries[0]?.EventId;
    if (id) process.stdout.write(`ack ${id}\n`);
  }
}

void main();
