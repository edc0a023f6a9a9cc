/**
 * Child process for the /events idempotency crash test: the trigger endpoint over the local bus
 * on an on-disk database. `EV_FAULT=after-bus-commit` kills the process (SIGKILL, no clean-up)
 * right after the bus committed the events and before the HTTP answer is written: the window in
 * which a retried request used to be published twice. `EV_ALONGSIDE=drop` hides the idempotency
 * write from the bus, as a bus on another database (EventBridge) would: the control.
 */
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { uuidIds } from '../../core/clock/ids';
import { systemClock } from '../../core/clock/systemClock';
import { openDatabase } from '../../core/db/openDatabase';
import type { BusPort } from '../../schemas/ports';
import { createHttpServer } from '../../triggers/http/createHttpServer';

async function main(): Promise<void> {
  const db = openDatabase(process.env.EV_DB ?? '');
  const bus = new LocalEventBus({ db, clock: systemClock, ids: uuidIds });
  const port: BusPort = {
    async putEvents(entries, alongside) {
      const result = await bus.putEvents(entries, process.env.EV_ALONGSIDE === 'drop' ? undefined : alongside);
      if (process.env.EV_FAULT === 'after-bus-commit') process.kill(process.pid, 'SIGKILL');
      return result;
    },
  };
  const http = createHttpServer({ sources: {}, events: { bearerTokens: [process.env.EV_TOKEN ?? ''] } }, { db, bus: port, clock: systemClock });
  const { port: listening } = await http.listen(0, '127.0.0.1');
  process.stdout.write(`READY ${listening}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
