/**
 * Issue 11, "the durability figures stay": a real `clinflow dev` under a steady stream of
 * `/events` requests is killed with SIGKILL at random moments at least 10 times and restarted on
 * the same data directory. The client retries every request it did not see answered, with the
 * same Idempotency-Key, as a real sender would. Afterwards every request has started exactly one
 * execution: 0 accepted events lost, 0 executions duplicated.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../core/clock/ids';
import { EVENTS_TOKEN, startDev, waitFor, type Dev } from './devProcess';
import { writeWorkflow } from './workflows';

const REQUESTS = 300;
const CLIENTS = 4;
const KILLS = 10;
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);

/** The `n` of every execution's input (the request number each event carried). */
function executionsByRequest(dataDir: string): { total: number; running: number; byN: Map<number, number> } {
  const db = new Database(join(dataDir, 'clinflow.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT status, input FROM sfn_executions').all() as { status: string; input: string }[];
    const byN = new Map<number, number>();
    for (const r of rows) {
      // The journal keeps the input as the JSON text the bus gave (a JSON string holding the event).
      const input = JSON.parse(r.input) as unknown;
      const event = (typeof input === 'string' ? JSON.parse(input) : input) as { n?: number; detail?: { n?: number } };
      const n = event.detail?.n ?? event.n ?? -1;
      byN.set(n, (byN.get(n) ?? 0) + 1);
    }
    return { total: rows.length, running: rows.filter((r) => r.status === 'RUNNING').length, byN };
  } finally {
    db.close();
  }
}

describe('adversarial: durability of clinflow dev across kill -9 under load', () => {
  const dirs: string[] = [];
  const devs: Dev[] = [];
  afterAll(async () => {
    for (const d of devs) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    await Promise.all(devs.map((d) => d.exited));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(`every request starts exactly one execution across ${KILLS}+ SIGKILLs (seed ${SEED})`, async () => {
    const wf = mkdtempSync(join(tmpdir(), 'clinflow-dur-wf-'));
    const data = mkdtempSync(join(tmpdir(), 'clinflow-dur-data-'));
    dirs.push(wf, data);
    writeWorkflow(wf, 'healthy');
    const random = seededRandom(SEED);
    const pending = Array.from({ length: REQUESTS }, (_, i) => i);
    const answered = new Set<number>();
    let kills = 0;
    let lives = 0;
    let resets = 0;
    while (pending.length > 0) {
      const dev = await startDev(wf, data);
      devs.push(dev);
      lives++;
      let dead = false;
      void dev.exited.then(() => (dead = true));
      // Kill at a random moment while requests are in flight (the last life runs to the end).
      const killer = kills < KILLS ? setTimeout(() => dev.child.kill('SIGKILL'), 100 + Math.floor(random() * 400)) : undefined;
      const client = async (): Promise<void> => {
        while (!dead && pending.length > 0) {
          const n = pending.shift()!;
          try {
            const res = await fetch(`${dev.base}/events`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${EVENTS_TOKEN}`, 'Idempotency-Key': `request-${n}` },
              body: JSON.stringify({ Entries: [{ Source: 'adv.healthy', DetailType: 'adversarial', Detail: JSON.stringify({ n }) }] }),
            });
            const body = (await res.json()) as { FailedEntryCount?: number };
            if (res.status === 200 && body.FailedEntryCount === 0) answered.add(n);
            else pending.push(n);
          } catch {
            resets++;
            pending.push(n); // reset by the kill: the sender retries with the same key
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      if (killer !== undefined) {
        // The kill may not have come yet (all requests answered first): it ends this life either way.
        await dev.exited;
        clearTimeout(killer);
        kills++;
      }
      if (lives > KILLS + 30) throw new Error('the requests never all got an answer');
    }
    expect(answered.size).toBe(REQUESTS);
    // Kill the remaining lives until there have been KILLS, while deliveries to the engine are in flight.
    while (kills < KILLS) {
      const dev = await startDev(wf, data);
      devs.push(dev);
      setTimeout(() => dev.child.kill('SIGKILL'), 100 + Math.floor(random() * 400));
      await dev.exited;
      kills++;
    }
    const last = await startDev(wf, data);
    devs.push(last);
    const final = await waitFor(
      'every request to have started an execution that ended',
      () => {
        const e = executionsByRequest(data);
        return e.total >= REQUESTS && e.running === 0 ? e : undefined;
      },
      120_000,
    );
    process.stdout.write(`dev durability: ${kills} SIGKILLs over ${lives} lives, ${REQUESTS} requests (${resets} reset by a kill and retried), ${final.total} executions\n`);
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // The kills hit requests in flight (else this would test nothing about the window).
    expect(resets).toBeGreaterThan(0);
    const lost = Array.from({ length: REQUESTS }, (_, n) => n).filter((n) => !final.byN.has(n));
    const duplicated = [...final.byN].filter(([, count]) => count > 1);
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(final.total).toBe(REQUESTS);
  }, 600_000);
});
