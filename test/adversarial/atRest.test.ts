import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { uuidIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { type Db, openDatabase } from '../../core/db/openDatabase';
import { EncryptionKeyMismatch, verifyEncryptionKeys } from '../../engine/durable/encryptionKeys';
import { createPayloadCodec, type EncryptionKeys } from '../../core/db/payloadCodec';
import { LocalScheduler } from '../../engine/scheduler/localScheduler';
import { createRuntime } from '../../cli/runtime/createRuntime';
import { spawnSync } from 'node:child_process';
import { CLI, startDev } from './devProcess';
import { writeWorkflow } from './workflows';

/**
 * Issue 11, at rest: the scheduler's specs and targets, bus events and dedupe keys are ciphertext
 * when a key is set (checked by grepping the database files, WAL included, for a planted marker);
 * a wrong or missing key stops start-up; old keys decrypt after a rotation; plaintext and moved
 * ciphertext are refused; the data directory and its files are owner-only.
 */
const MARKER = 'PHIMARK-order-9d41';
const SFN = 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-reminder-delivery';
const ROLE = 'arn:aws:iam::000000000000:role/clinflow-scheduler';
const hex = () => randomBytes(32).toString('hex');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'clinflow-at-rest-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The scheduler and bus over one file, as createRuntime wires them: keys verified first, one codec. */
function open(dir: string, keys: EncryptionKeys | undefined): { db: Db; scheduler: LocalScheduler; bus: LocalEventBus } {
  const clock = new SimulatedClock(Date.parse('2026-03-01T00:00:00Z'));
  const db = openDatabase(join(dir, 'clinflow.db'));
  verifyEncryptionKeys(db, keys, clock.now());
  const codec = createPayloadCodec(keys);
  const scheduler = new LocalScheduler({ db, clock, invoke: async () => undefined, codec });
  const bus = new LocalEventBus({ db, clock, ids: uuidIds, codec });
  return { db, scheduler, bus };
}

const reminder = (name: string) => ({
  Name: name,
  ScheduleExpression: 'at(2026-03-02T08:00:00)',
  ScheduleExpressionTimezone: 'America/Chicago',
  Description: `MedicationRequest/${MARKER}|1|2026-03-02T08:00`,
  FlexibleTimeWindow: { Mode: 'OFF' as const },
  Target: { Arn: SFN, RoleArn: ROLE, Input: JSON.stringify({ order: `MedicationRequest/${MARKER}`, dose: '2026-03-02T08:00:00-06:00', zone: 'America/Chicago' }) },
});

/** Every file of the database (main, -wal, -shm) that exists, and whether any holds `needle`. */
function filesContain(dir: string, needle: string): { files: string[]; found: string[] } {
  const files = ['clinflow.db', 'clinflow.db-wal', 'clinflow.db-shm'].map((f) => join(dir, f)).filter((f) => existsSync(f));
  return { files, found: files.filter((f) => readFileSync(f).includes(Buffer.from(needle))) };
}

describe('adversarial: data at rest', () => {
  it('schedules and bus events are ciphertext: the marker is in no database file, WAL included', async () => {
    const dir = tempDir();
    const { db, scheduler, bus } = open(dir, { key: hex() });
    await scheduler.createSchedule(reminder('r1'));
    await bus.putEvents([{ Source: 'clinflow.reminders', DetailType: 'Medication Reminder Due', Detail: JSON.stringify({ order: `MedicationRequest/${MARKER}` }) }]);
    expect((await scheduler.getSchedule({ Name: 'r1' })).Description).toContain(MARKER); // still readable through the API
    const { files, found } = filesContain(dir, MARKER);
    expect(files.some((f) => f.endsWith('-wal'))).toBe(true); // the test looked at the WAL
    expect(found).toEqual([]);
    db.close();

    // The control: without a key the same writes are plain text in the files (the grep can find it).
    const plainDir = tempDir();
    const plain = open(plainDir, undefined);
    await plain.scheduler.createSchedule(reminder('r1'));
    expect(filesContain(plainDir, MARKER).found.length).toBeGreaterThan(0);
    plain.db.close();
  });

  it('plaintext rows and ciphertext moved to another row are refused while a key is set', async () => {
    const dir = tempDir();
    const { db, scheduler } = open(dir, { key: hex() });
    await scheduler.createSchedule(reminder('a'));
    await scheduler.createSchedule(reminder('b'));
    // Moved: row b now holds row a's ciphertext (bound to a as associated data).
    db.prepare("UPDATE scheduler_schedules SET spec = (SELECT spec FROM scheduler_schedules WHERE name = 'a') WHERE name = 'b'").run();
    await expect(scheduler.getSchedule({ Name: 'b' })).rejects.toThrow();
    // Planted: plain JSON where ciphertext belongs.
    db.prepare("UPDATE scheduler_schedules SET spec = ? WHERE name = 'a'").run(JSON.stringify({ ...reminder('a'), GroupName: 'default', State: 'ENABLED' }));
    await expect(scheduler.getSchedule({ Name: 'a' })).rejects.toThrow(/plaintext/);
    db.close();
  });

  it('a wrong key, or no key, on an encrypted journal is refused; after a rotation the old key still decrypts', async () => {
    const dir = tempDir();
    const first = hex();
    const a = open(dir, { key: first });
    await a.scheduler.createSchedule(reminder('before-rotation'));
    a.db.close();

    expect(() => open(dir, { key: hex() })).toThrow(EncryptionKeyMismatch);
    expect(() => open(dir, undefined)).toThrow(/encrypted: set CLINFLOW_ENCRYPTION_KEY/);
    // A different key with the first key's id would fail on the check value; a new key alone fails on the missing id.
    expect(() => open(dir, { key: hex() })).toThrow(/not configured/);

    const second = hex();
    const b = open(dir, { key: second, oldKeys: [first] });
    expect((await b.scheduler.getSchedule({ Name: 'before-rotation' })).Description).toContain(MARKER);
    await b.scheduler.createSchedule(reminder('after-rotation'));
    const ids = (b.db.prepare('SELECT spec FROM scheduler_schedules ORDER BY name').pluck().all() as Buffer[]).map((x) => x.subarray(1, 5).toString('hex'));
    expect(ids[0]).toBe(createPayloadCodec(second).keyId); // after-rotation: the new key
    expect(ids[1]).toBe(createPayloadCodec(first).keyId); // before-rotation: still the old one
    b.db.close();
    // Dropping the old key while data still uses it is refused at start, not at the first read.
    expect(() => open(dir, { key: second })).toThrow(/not configured/);
  });

  it('createRuntime: data directory 0700, database files 0600, and a wrong key stops start-up', async () => {
    const dir = join(tempDir(), 'data');
    const key = hex();
    const runtime = await createRuntime({ dataDir: dir, workflowsDir: join(__dirname, '..', '..', 'workflows'), clock: new SimulatedClock(Date.parse('2026-03-01T00:00:00Z')), encryptionKey: key });
    try {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const f of ['clinflow.db', 'clinflow.db-wal', 'clinflow.db-shm']) {
        const path = join(dir, f);
        if (existsSync(path)) expect([f, statSync(path).mode & 0o777]).toEqual([f, 0o600]);
      }
      expect(existsSync(join(dir, 'clinflow.db-wal'))).toBe(true);
    } finally {
      await runtime.close();
    }
    await expect(
      createRuntime({
        dataDir: dir,
        workflowsDir: join(__dirname, '..', '..', 'workflows'),
        clock: new SimulatedClock(0),
        encryptionKey: hex(),
        sandbox: false,
        fhirServer: { name: 'default', baseUrl: 'http://127.0.0.1:1/fhir' },
      }),
    ).rejects.toThrow(EncryptionKeyMismatch);
  }, 60_000);

  it('clinflow dev: without a key it warns loudly; with one it does not; a wrong key exits 1 with the reason, never ready', async () => {
    const wf = tempDir();
    writeWorkflow(wf, 'healthy');
    const plain = await startDev(wf, tempDir());
    plain.child.kill('SIGTERM');
    await plain.exited;
    expect(plain.output()).toMatch(/^WARNING: CLINFLOW_ENCRYPTION_KEY is not set: workflow data .* is stored UNENCRYPTED/m);

    const data = tempDir();
    const key = hex();
    const keyed = await startDev(wf, data, { CLINFLOW_ENCRYPTION_KEY: key });
    keyed.child.kill('SIGTERM');
    expect(await keyed.exited).toEqual({ code: 0, signal: null });
    expect(keyed.output()).not.toMatch(/UNENCRYPTED|not set/);

    const wrong = spawnSync(process.execPath, [CLI, 'dev', '--port', '0', '--data-dir', data, '--workflows', wf, '--no-sandbox', '--fhir-url', 'http://127.0.0.1:9/fhir'], {
      env: { ...process.env, CLINFLOW_ENCRYPTION_KEY: hex() },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(wrong.status).toBe(1);
    expect(`${wrong.stdout}${wrong.stderr}`).toMatch(/encrypted with key [0-9a-f]{8}, which is not configured/);
    expect(wrong.stdout).not.toMatch(/^ready$/m);
  }, 120_000);
});
