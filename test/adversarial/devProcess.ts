/**
 * A real `clinflow dev` in a child process for the adversarial suite: temp data dir, port 0, no
 * sandbox (the runaway workflows make no FHIR calls), an events token; plus a /health poller
 * that records every answer's latency, and read-only looks into the journal.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
export const CLI = join(repoRoot, 'dist', 'clinflow.js');
export const EVENTS_TOKEN = 'adversarial-test-token';

export interface Dev {
  child: ChildProcess;
  base: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `env`: added to the process's environment (e.g. CLINFLOW_ENCRYPTION_KEY). */
export async function startDev(workflowsDir: string, dataDir: string, env: Record<string, string> = {}): Promise<Dev> {
  const child = spawn(process.execPath, [CLI, 'dev', '--port', '0', '--data-dir', dataDir, '--workflows', workflowsDir, '--no-sandbox', '--fhir-url', 'http://127.0.0.1:9/fhir'], {
    env: { ...process.env, CLINFLOW_EVENTS_TOKEN: EVENTS_TOKEN, CLINFLOW_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const deadline = Date.now() + 60_000;
  while (!/^ready$/m.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`clinflow dev exited before ready:\n${out}`);
    if (Date.now() > deadline) throw new Error(`clinflow dev not ready after 60 s:\n${out}`);
    await sleep(100);
  }
  const m = /GET\s+(http:\/\/127\.0\.0\.1:\d+)\/health/.exec(out);
  if (!m?.[1]) throw new Error(`no health URL in:\n${out}`);
  return { child, base: m[1], output: () => out, exited };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function putEvents(base: string, entries: Array<{ Source: string; DetailType?: string; Detail?: string }>): Promise<void> {
  const res = await fetch(`${base}/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${EVENTS_TOKEN}` },
    body: JSON.stringify({ Entries: entries.map((e) => ({ DetailType: 'adversarial', Detail: '{}', ...e })) }),
  });
  const body = (await res.json()) as { FailedEntryCount?: number };
  if (res.status !== 200 || body.FailedEntryCount !== 0) throw new Error(`PutEvents failed: ${res.status} ${JSON.stringify(body)}`);
}

export interface HealthPoller {
  /** Every answer: latency (ms) and HTTP status; a request that failed or took > 5 s has status 0. */
  samples: Array<{ at: number; ms: number; status: number; ready?: boolean }>;
  stop(): Promise<void>;
}

/**
 * Polls /health back to back (every 25 ms) until stopped. The first requests of a fresh process
 * (connection set-up, the handler's first compilation) are made before measuring starts.
 */
export async function pollHealth(base: string): Promise<HealthPoller> {
  for (let i = 0; i < 3; i++) await (await fetch(`${base}/health`)).arrayBuffer();
  const samples: HealthPoller['samples'] = [];
  let stopped = false;
  const origin = performance.now();
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
        const body = (await res.json()) as { ready?: boolean };
        samples.push({ at: t0 - origin, ms: performance.now() - t0, status: res.status, ready: body.ready === true });
      } catch {
        samples.push({ at: t0 - origin, ms: performance.now() - t0, status: 0 });
      }
      await sleep(25);
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export interface ExecutionRow {
  machine: string;
  status: string;
  error: string | null;
  events: number;
}

/** The executions and dead letters in a data dir's journal (read-only; WAL lets the server keep writing). */
export function journal(dataDir: string): { executions: ExecutionRow[]; deadLetters: Array<{ error_code: string; error_message: string; attempts: number }>; startedDeliveries: number } {
  const db = new Database(join(dataDir, 'clinflow.db'), { readonly: true, fileMustExist: true });
  try {
    const executions = db
      .prepare('SELECT m.name AS machine, e.status, e.error, e.next_event - 1 AS events FROM sfn_executions e JOIN sfn_state_machines m ON m.id = e.state_machine_id ORDER BY e.id')
      .all() as ExecutionRow[];
    const deadLetters = db.prepare('SELECT error_code, error_message, attempts FROM bus_dead_letters ORDER BY id').all() as Array<{ error_code: string; error_message: string; attempts: number }>;
    const started = db.prepare("SELECT count(*) AS n FROM bus_deliveries WHERE status = 'pending' AND started_at IS NOT NULL").get() as { n: number };
    return { executions, deadLetters, startedDeliveries: started.n };
  } finally {
    db.close();
  }
}

/** A live process's peak resident set (VmHWM, Linux), in MB. */
export function peakRssMb(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmHWM for process ${pid}`);
  return Number(kb) / 1024;
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = probe();
      if (v !== undefined) return v;
    } catch {
      // The journal may not exist yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
