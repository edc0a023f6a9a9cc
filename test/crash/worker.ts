/**
 * The crash test's child process: an engine on an on-disk journal with a fast real clock. It starts
 * every execution (idempotently: a restarted worker re-issues the same names and inputs), answers
 * parked callbacks, and exits once every execution is closed. The parent SIGKILLs it at random.
 */
import Database from 'better-sqlite3';
import { Engine } from '../../engine/durable/engine';
import { uuidIds } from '../../core/clock/ids';
import { fastClock } from '../../core/clock/systemClock';
import { LocalTaskPort } from '../../tasks/localTaskPort';
import { approvalFor, executionInput, registerHandlers, workflows, type EffectStore } from './workload';

const journalFile = process.env.CRASH_JOURNAL ?? '';
const effectsFile = process.env.CRASH_EFFECTS ?? '';
const total = Number(process.env.CRASH_EXECUTIONS ?? '1000');
const origin = Number(process.env.CRASH_ORIGIN ?? '0');
const speed = Number(process.env.CRASH_SPEED ?? '20');

const fx = new Database(effectsFile);
fx.pragma('journal_mode = WAL');
fx.pragma('busy_timeout = 5000');
fx.exec(`CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, logical TEXT NOT NULL, value INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS effects_logical ON effects(logical);
  CREATE TABLE IF NOT EXISTS deliveries (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS callbacks (token TEXT PRIMARY KEY, key TEXT NOT NULL, n INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0);`);
const insertEffect = fx.prepare('INSERT OR IGNORE INTO effects (key, logical, value) VALUES (?, ?, ?)');
const firstOf = fx.prepare('SELECT key FROM effects WHERE logical = ? ORDER BY rowid LIMIT 1');
const countDelivery = fx.prepare('INSERT INTO deliveries (key, n) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET n = n + 1');
const park = fx.prepare('INSERT OR IGNORE INTO callbacks (token, key, n) VALUES (?, ?, ?)');
const openCallbacks = fx.prepare('SELECT token, n FROM callbacks WHERE done = 0 LIMIT 200');
const closeCallback = fx.prepare('UPDATE callbacks SET done = 1 WHERE token = ?');

const effects: EffectStore = {
  delivered: (key) => void countDelivery.run(key),
  apply(key, logical, value) {
    insertEffect.run(key, logical, value);
    return (firstOf.get(logical) as { key: string } | undefined)?.key === key;
  },
  parkToken: (token, key, n) => void park.run(token, key, n),
};

async function main(): Promise<void> {
  const { clock, wakeup } = fastClock(origin, speed);
  const tasks = new LocalTaskPort({ clock });
  registerHandlers(tasks, effects);
  const engine = new Engine({ database: journalFile, clock, wakeup, tasks, ids: uuidIds });
  const arns: Record<string, string> = {};
  for (const [name, def] of Object.entries(workflows)) arns[name] = engine.createStateMachine({ name, definition: JSON.stringify(def) }).stateMachineArn;
  const r = await engine.recover();
  process.stdout.write(`READY ${r.running} ${r.redelivered}\n`);
  for (let i = 0; i < total; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(total, i + 50); j++) {
      const e = executionInput(j);
      batch.push(
        engine.startExecution({ stateMachineArn: arns[e.workflow], name: e.name, input: e.input }).catch((err: unknown) => {
          if ((err as { error?: string }).error !== 'ExecutionAlreadyExists') throw err;
        }),
      );
    }
    await Promise.all(batch);
  }
  const counts = engine.db.prepare("SELECT count(*) AS total, sum(status = 'RUNNING') AS running FROM sfn_executions");
  for (;;) {
    for (const cb of openCallbacks.all() as Array<{ token: string; n: number }>) {
      try {
        await engine.sendTaskSuccess({ taskToken: cb.token, output: approvalFor(cb.n) });
      } catch (err) {
        const name = (err as { error?: string }).error;
        if (name !== 'TaskTimedOut' && name !== 'TaskDoesNotExist') throw err;
      }
      closeCallback.run(cb.token);
    }
    const c = counts.get() as { total: number; running: number };
    if (c.total === total && c.running === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await engine.close();
  process.stdout.write('DONE\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
