/**
 * The durable local Step Functions engine. `startEngine` is the production wiring: the real clock
 * with one wake-up for the next due timer, UUIDs, encryption from `CLINFLOW_ENCRYPTION_KEY` when
 * set, and recovery of every open execution before it returns.
 */
import type { Clock, IdGenerator } from '../../schemas/clock';
import type { Logger } from '../../schemas/ports';
import { uuidIds } from '../clock/ids';
import { systemClock, systemWakeup, type Wakeup } from '../clock/systemClock';
import type { Db } from '../db/openDatabase';
import type { TaskPort } from '../tasks/taskPort';
import { Engine } from './engine';

export { Engine, type EngineOptions } from './engine';
export { StepFunctionsError } from './apiErrors';
export type { HistoryEvent } from './historyEvents';

export async function startEngine(options: {
  database: string | Db;
  tasks?: TaskPort;
  clock?: Clock;
  wakeup?: Wakeup;
  ids?: IdGenerator;
  encryptionKey?: Buffer | string;
  log?: Logger;
}): Promise<Engine> {
  const key = options.encryptionKey ?? process.env.CLINFLOW_ENCRYPTION_KEY;
  const engine = new Engine({
    database: options.database,
    clock: options.clock ?? systemClock,
    wakeup: options.wakeup ?? systemWakeup(),
    ids: options.ids ?? uuidIds,
    ...(options.tasks ? { tasks: options.tasks } : {}),
    ...(key ? { encryptionKey: key } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  await engine.recover();
  return engine;
}
