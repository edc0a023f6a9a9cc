import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDatabase } from '../../core/db/openDatabase';

const root = resolve(__dirname, '..', '..');
const TOKEN = 'crash-token';
const N = 200;
const CONCURRENCY = 8;

const children: ChildProcess[] = [];

function startChild(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'triggers', 'http', 'crashChild.testkit.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((res, rej) => {
    child.once('error', rej);
    child.once('exit', (code) => rej(new Error(`child exited early with ${code}`)));
    child.stdout?.once('data', (d: Buffer) => res({ child, url: `http://127.0.0.1:${d.toString().trim()}` }));
  });
}

const notify = (url: string, i: number) =>
  fetch(`${url}/fhir/notify/ehr/MedicationRequest/m${i}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'MedicationRequest', id: `m${i}`, meta: { versionId: '1' }, status: 'active', intent: 'order' }),
  });

function storedReferences(dir: string): string[] {
  const db = openDatabase(join(dir, 'clinflow.sqlite'));
  try {
    // What the real local bus stored (payloads are plain JSON without an encryption key).
    const rows = db.prepare('SELECT payload FROM bus_events ORDER BY rowid').pluck().all() as string[];
    return rows.map((r) => (JSON.parse(r) as { detail: { reference: string } }).detail.reference);
  } finally {
    db.close();
  }
}

describe('crash recovery', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-crash-'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged notification across kill -9, and a re-delivery after restart publishes only what was missing, exactly once', async () => {
    const first = await startChild(dir);
    const acked: number[] = [];
    let next = 0;
    let killed = false;
    const worker = async (): Promise<void> => {
      while (next < N && !killed) {
        const i = next++;
        try {
          const res = await notify(first.url, i);
          if (res.status === 200) acked.push(i);
          if (acked.length >= N / 4 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch {
          // refused connection after the kill: not acknowledged
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // The exit may already have happened while the workers were finishing.
    if (first.child.exitCode === null && first.child.signalCode === null) await new Promise((r) => first.child.once('exit', r));
    expect(acked.length).toBeGreaterThanOrEqual(N / 4);
    expect(acked.length).toBeLessThan(N);

    const afterCrash = new Set(storedReferences(dir));
    expect(acked.filter((i) => !afterCrash.has(`MedicationRequest/m${i}`))).toEqual([]);

    // The sender retries everything it did not see acknowledged (and, being a real server, some it did).
    const second = await startChild(dir);
    try {
      for (let i = 0; i < N; i++) expect((await notify(second.url, i)).status).toBe(200);
    } finally {
      second.child.kill('SIGKILL');
    }
    const all = storedReferences(dir);
    expect(new Set(all).size).toBe(N);
    // Exactly once: a change's dedupe key commits in the bus's transaction with its event, so the
    // kill keeps both or neither, and the re-delivery publishes only what is missing.
    expect(all.length).toBe(N);
  }, 90_000);
});
