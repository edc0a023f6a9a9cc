import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { LocalEventBus } from '../engine/bus/localEventBus';
import { sequentialIds } from '../core/clock/ids';
import { SimulatedClock } from '../core/clock/simulatedClock';
import { openDatabase, type Db } from '../core/db/openDatabase';
import { Engine } from '../engine/durable/engine';
import { LocalScheduler } from '../engine/scheduler/localScheduler';
import { createTargetInvoker } from '../engine/scheduler/targetInvoker';
import type { TaskInvocation, TaskOutcome } from '../schemas/taskPort';
import type { AccessKey } from './auth/sigv4';
import { createApiHandler, type ApiHandler } from './createApiHandler';

export const OPERATOR: AccessKey = { accessKeyId: 'AKIACLINFLOWTEST0001', secretAccessKey: 'operator-secret-for-tests-only-000000000' };
export const READ_ONLY: AccessKey = { accessKeyId: 'AKIACLINFLOWTEST0002', secretAccessKey: 'readonly-secret-for-tests-only-00000000', readOnly: true };
export const SERVICE: AccessKey = { accessKeyId: 'AKIACLINFLOWTEST0003', secretAccessKey: 'service-secret-for-tests-only-000000000', service: true };

export interface ApiFixture {
  db: Db;
  clock: SimulatedClock;
  engine: Engine;
  bus: LocalEventBus;
  scheduler: LocalScheduler;
  api: ApiHandler;
  server: Server;
  endpoint: string;
  /** Task tokens handed to `.waitForTaskToken` tasks, in order. */
  tokens: string[];
  sfn(key?: AccessKey): SFNClient;
  events(key?: AccessKey): EventBridgeClient;
  schedulerClient(key?: AccessKey): SchedulerClient;
  close(): Promise<void>;
}

/**
 * The API on a real HTTP server (127.0.0.1, ephemeral port) over a real engine, bus and scheduler
 * on one SQLite database, with a simulated engine clock. Task resources: `.waitForTaskToken`
 * invocations park (their token recorded); any other task fails with `Test.Failed`.
 */
export async function startApiFixture(options: { database?: string; now?: () => number } = {}): Promise<ApiFixture> {
  const db = openDatabase(options.database ?? ':memory:');
  const clock = new SimulatedClock(Date.UTC(2030, 0, 1, 9, 0, 0));
  const tokens: string[] = [];
  const tasks = {
    invoke: (i: TaskInvocation): Promise<TaskOutcome> => {
      if (i.taskToken !== undefined) {
        tokens.push(i.taskToken);
        return Promise.resolve({ ok: true, output: null });
      }
      return Promise.resolve({ ok: false, error: 'Test.Failed', cause: 'the test task port fails every plain task' });
    },
  };
  const engine = new Engine({ database: db, clock, ids: sequentialIds(), tasks });
  const bus = new LocalEventBus({ db, clock, ids: sequentialIds(), executions: engine });
  const scheduler = new LocalScheduler({ db, clock, invoke: createTargetInvoker({ executions: engine, bus }) });
  const api = createApiHandler({ engine, bus, scheduler, keys: [OPERATOR, READ_ONLY, SERVICE], ...(options.now ? { now: options.now } : {}) });
  const server = createServer((req, res) => {
    if (!api.handle(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = (key: AccessKey) => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
  return {
    db,
    clock,
    engine,
    bus,
    scheduler,
    api,
    server,
    endpoint,
    tokens,
    sfn: (key = OPERATOR) => new SFNClient({ ...config(key), disableHostPrefix: true }),
    events: (key = OPERATOR) => new EventBridgeClient(config(key)),
    schedulerClient: (key = OPERATOR) => new SchedulerClient(config(key)),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await engine.close();
      db.close();
    },
  };
}
