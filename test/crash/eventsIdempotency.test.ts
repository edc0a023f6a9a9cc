/**
 * Issue 11 item 3: `/events` with an Idempotency-Key publishes once even when the process dies
 * between the bus's commit and the answer. A child process (the trigger endpoint over the local
 * bus, on disk) is SIGKILLed at exactly that point; the client's retry after the reset goes to a
 * restarted process on the same database. The answer is committed in the bus's transaction, so
 * the retry is answered from it (`Idempotent-Replayed`) and the event exists once. The control
 * hides the write from the bus (as EventBridge would): the same crash then publishes twice.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const repoRoot = resolve(__dirname, '..', '..');
const TOKEN = 'events-crash-token';
const BODY = JSON.stringify({ Entries: [{ Source: 'lab.system', DetailType: 'Result Ready', Detail: '{"result":"Observation/k-6-9"}' }] });

let dir: string;
let bundle: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-events-crash-'));
  bundle = join(dir, 'eventsWorker.cjs');
  buildSync({ entryPoints: [join(__dirname, 'eventsWorker.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: bundle, external: ['better-sqlite3'], logLevel: 'error' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Worker {
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

async function startWorker(db: string, env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, [bundle], { env: { ...process.env, NODE_PATH: join(repoRoot, 'node_modules'), EV_DB: db, EV_TOKEN: TOKEN, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<string>((resolvePort, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m?.[1]) resolvePort(m[1]);
    });
    void exited.then((e) => reject(new Error(`worker exited before READY (${JSON.stringify(e)}): ${err}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/events`,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const post = (url: string) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, 'Idempotency-Key': 'order-42-attempt' }, body: BODY });

function published(db: string): number {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare('SELECT count(*) FROM bus_events').pluck().get() as number;
  } finally {
    d.close();
  }
}

/** One request that kills the process after the bus's commit, then the client's retry on a restarted process. */
async function crashThenRetry(db: string, env: Record<string, string>): Promise<{ retry: Response; retryBody: string }> {
  const crashing = await startWorker(db, { ...env, EV_FAULT: 'after-bus-commit' });
  await expect(post(crashing.url)).rejects.toThrow(); // the connection is reset: the client cannot know the outcome
  expect(await crashing.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(published(db)).toBe(1); // the bus had committed
  const restarted = await startWorker(db, env);
  try {
    const retry = await post(restarted.url);
    return { retry, retryBody: await retry.text() };
  } finally {
    await restarted.stop();
  }
}

describe('crash: /events Idempotency-Key across a kill -9 between the bus commit and the answer', () => {
  it('the retry is answered from the record committed with the events: one publish', async () => {
    const db = join(dir, 'atomic.db');
    const { retry, retryBody } = await crashThenRetry(db, {});
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const answer = JSON.parse(retryBody) as { FailedEntryCount: number; Entries: { EventId?: string }[] };
    expect(answer.FailedEntryCount).toBe(0);
    expect(published(db)).toBe(1);
    // The replayed answer names the event the first request stored.
    const d = new Database(db, { readonly: true });
    expect(answer.Entries[0]?.EventId).toBe(d.prepare('SELECT id FROM bus_events').pluck().get());
    d.close();
  }, 60_000);

  it('the control: a bus that cannot take the write in its transaction publishes the retry again (at-least-once)', async () => {
    const db = join(dir, 'control.db');
    const { retry } = await crashThenRetry(db, { EV_ALONGSIDE: 'drop' });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(published(db)).toBe(2);
  }, 60_000);
});
