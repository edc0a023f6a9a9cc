import { ensureSchema, type Db } from '../../core/db/openDatabase';

/**
 * Durable attempt marks on bus deliveries: `started_at` is written before a target is invoked and
 * cleared with the outcome, so a delivery whose attempt the process never finished (kill -9 during
 * a runaway start) is recognised after a restart and counted in `interrupted` instead of being
 * retried forever (see LocalEventBus.deliverOne).
 */
export function ensureBusAttemptSchema(db: Db): void {
  ensureSchema(db, 'bus-attempts', [
    `ALTER TABLE bus_deliveries ADD COLUMN started_at INTEGER;
     ALTER TABLE bus_deliveries ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;`,
  ]);
}
