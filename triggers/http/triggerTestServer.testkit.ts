import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusPort } from '../../schemas/ports';
import type { TriggerConfigInput } from '../../schemas/triggerConfig';
import { type Db, openDatabase } from '../../core/db/openDatabase';
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { uuidIds } from '../../core/clock/ids';
import { systemClock } from '../../core/clock/systemClock';
import { CaptureBus } from '../conformance/captureBus';
import { type TriggerHttpServer, createHttpServer } from './createHttpServer';
import type { TriggerDeps } from './createTriggerRouter';

/** Test helper: the trigger server on 127.0.0.1 over a SQLite file in a temp dir, publishing to the real local bus (engine/bus) through a CaptureBus that records what it accepted. */
export interface TestServer {
  url: string;
  dir: string;
  db: Db;
  bus: CaptureBus;
  /** The real local bus underneath (undefined when the test supplied its own). */
  localBus: LocalEventBus | undefined;
  http: TriggerHttpServer;
  /** Closes the server and the database; keeps the directory (for restart tests) unless `remove`. */
  stop(remove?: boolean): Promise<void>;
}

export async function startTestServer(config: TriggerConfigInput, opts: { dir?: string; deps?: Partial<TriggerDeps>; inner?: (db: Db) => BusPort; port?: number } = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'clinflow-triggers-'));
  const db = openDatabase(join(dir, 'clinflow.sqlite'));
  const localBus = opts.inner ? undefined : new LocalEventBus({ db, clock: systemClock, ids: uuidIds });
  const bus = new CaptureBus(db, opts.inner?.(db) ?? localBus);
  const http = createHttpServer(config, { db, bus, clock: systemClock, ...opts.deps });
  const { port } = await http.listen(opts.port ?? 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    db,
    bus,
    localBus,
    http,
    stop: async (remove = true) => {
      await http.close();
      db.close();
      if (remove) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (node:http), for headers fetch would not send as given (Content-Length, chunked bodies). */
export function rawRequest(url: string, init: { method: string; headers?: Record<string, string | number>; chunks?: (string | Buffer)[] }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers: init.headers ?? {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer and close before the whole body is sent: that is the point of some tests.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    for (const c of init.chunks ?? []) req.write(c);
    req.end();
  });
}
