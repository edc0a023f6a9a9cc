import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase } from '../../core/db/openDatabase';
import { Engine } from '../../engine/durable/engine';
import { journalAad } from '../../engine/durable/journalBinding';
import { createPayloadCodec, PayloadBindingError } from '../../core/db/payloadCodec';
import { LAMBDA, machine } from '../../engine/durable/engineFixture.testkit';
import { LocalTaskPort } from '../../tasks/localTaskPort';

/**
 * Issue 11, at rest: every journal column that holds execution data (execution input, output and
 * cause; task payload, parameters and token; history chunks; frames) is ciphertext bound to its
 * table, column and row. A value copied to another row or column fails to decrypt with a named
 * error; a journal written before the binding is re-bound once when opened with its key (and
 * keeps working), after which unbound ciphertext is refused.
 */
const MARKER = 'PHIMARK-journal-5c2e';
const KEY = randomBytes(32).toString('hex');
const KEY_BYTES = Buffer.from(KEY, 'hex');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-binding-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Opened {
  engine: Engine;
  clock: SimulatedClock;
  invoked: Array<{ payload: unknown; token?: string }>;
}

/** An engine over `dir`'s journal; `park` records its invocations and, unless `answers`, never answers (the task stays undelivered). */
function open(key: string | undefined, clock = new SimulatedClock(Date.UTC(2026, 2, 1)), answers = false): Opened {
  const invoked: Opened['invoked'] = [];
  const tasks = new LocalTaskPort({ clock });
  tasks.registerFunction('park', (payload, ctx) => {
    invoked.push(ctx.taskToken === undefined ? { payload } : { payload, token: ctx.taskToken });
    return answers ? Promise.resolve(null) : new Promise(() => undefined);
  });
  const engine = new Engine({ database: join(dir, 'clinflow.db'), clock, tasks, ids: sequentialIds(randomBytes(4).toString('hex')), random: () => 0.5, ...(key ? { encryptionKey: key } : {}) });
  return { engine, clock, invoked };
}

const DONE = machine({ A: { Type: 'Pass', Parameters: { 'echo.$': '$.patient', note: 'done' }, End: true } });
const FAILS = machine({ F: { Type: 'Fail', Error: 'Lab.Critical', CausePath: '$.why' } });
const PARKS = machine({
  T: {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Parameters: { FunctionName: LAMBDA('park'), Payload: { 'patient.$': '$.patient', 'token.$': '$$.Task.Token' } },
    End: true,
  },
});
const WAITS = machine({ W: { Type: 'Wait', Seconds: 3600, Next: 'P' }, P: { Type: 'Pass', End: true } });

/** Four executions, each carrying the marker: succeeded, failed (marker in the cause), parked on a task, waiting. */
async function populate(engine: Engine): Promise<Record<'done' | 'fails' | 'parks' | 'waits', { executionArn: string }>> {
  const arn = (name: string, definition: string) => engine.createStateMachine({ name, definition }).stateMachineArn;
  const input = JSON.stringify({ patient: `Patient/${MARKER}`, why: `potassium 6.9 for ${MARKER}` });
  const out = {
    done: await engine.startExecution({ stateMachineArn: arn('done', DONE), name: 'e1', input }),
    fails: await engine.startExecution({ stateMachineArn: arn('fails', FAILS), name: 'e2', input }),
    parks: await engine.startExecution({ stateMachineArn: arn('parks', PARKS), name: 'e3', input }),
    waits: await engine.startExecution({ stateMachineArn: arn('waits', WAITS), name: 'e4', input }),
  };
  // Let the parked task be invoked (it never answers); the rest have ended or parked on their timer.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return out;
}

function filesContain(needle: string): { files: string[]; found: string[] } {
  const files = ['clinflow.db', 'clinflow.db-wal'].map((f) => join(dir, f)).filter((f) => existsSync(f));
  return { files, found: files.filter((f) => readFileSync(f).includes(Buffer.from(needle))) };
}

/** A ciphertext as journals stored it before key ids (version 1: IV, tag, AES-256-GCM of the JSON, no associated data). */
function legacyV1(value: unknown): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', KEY_BYTES, iv);
  const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return Buffer.concat([Buffer.of(1), iv, c.getAuthTag(), body]);
}

describe('adversarial: journal columns bound to their row', () => {
  it('input, output, cause, task payload/parameters/token, history and frames are ciphertext: the marker is in no database file', async () => {
    const { engine, invoked } = open(KEY);
    const e = await populate(engine);
    expect(invoked).toHaveLength(1);
    const db = engine.db;
    // Every column the issue names holds a value (so the grep below looked at each of them).
    expect(db.prepare('SELECT count(*) FROM sfn_executions WHERE output IS NOT NULL').pluck().get()).toBe(1);
    expect(db.prepare('SELECT count(*) FROM sfn_executions WHERE cause IS NOT NULL').pluck().get()).toBe(1);
    expect(db.prepare('SELECT count(*) FROM sfn_tasks WHERE payload IS NOT NULL AND parameters IS NOT NULL AND token IS NOT NULL').pluck().get()).toBe(1);
    expect(db.prepare('SELECT count(*) FROM sfn_frames').pluck().get()).toBeGreaterThan(0);
    // Readable through the API.
    expect(engine.describeExecution(e.done)).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ echo: `Patient/${MARKER}`, note: 'done' }) });
    expect(engine.describeExecution(e.fails)).toMatchObject({ status: 'FAILED', error: 'Lab.Critical', cause: `potassium 6.9 for ${MARKER}` });
    expect(JSON.stringify(engine.getExecutionHistory(e.parks).events)).toContain(MARKER);
    await engine.close();
    const { files, found } = filesContain(MARKER);
    expect(files.length).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });

  it('the control: without a key the same journal holds the marker in plain text', async () => {
    const { engine } = open(undefined);
    await populate(engine);
    await engine.close();
    expect(filesContain(MARKER).found.length).toBeGreaterThan(0);
  });

  it('a value copied to another row or column fails to decrypt with PayloadBindingError', async () => {
    const { engine } = open(KEY);
    const e = await populate(engine);
    const db = engine.db;
    const id = (name: string) => db.prepare('SELECT id FROM sfn_executions WHERE name = ?').pluck().get(name) as number;
    const [e1, e2, e3] = [id('e1'), id('e2'), id('e3')];
    /** Runs `sql`, expects `read` to fail with the binding error, then puts the rows back and expects `read` to work again. */
    const moved = (sql: string, params: unknown[], read: () => unknown): void => {
      const executions = db.prepare('SELECT id, input, output, cause FROM sfn_executions').all() as { id: number; input: Buffer; output: Buffer; cause: Buffer }[];
      const history = db.prepare('SELECT execution_id, first_id, events FROM sfn_history').all() as { execution_id: number; first_id: number; events: Buffer }[];
      const tasks = db.prepare('SELECT execution_id, task_id, payload FROM sfn_tasks').all() as { execution_id: number; task_id: string; payload: Buffer }[];
      db.prepare(sql).run(...params);
      let error: unknown;
      try {
        read();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PayloadBindingError);
      expect(String(error)).toMatch(/does not decrypt there: it was copied from another row or column, or altered/);
      for (const r of executions) db.prepare('UPDATE sfn_executions SET input = ?, output = ?, cause = ? WHERE id = ?').run(r.input, r.output, r.cause, r.id);
      for (const r of history) db.prepare('UPDATE sfn_history SET events = ? WHERE execution_id = ? AND first_id = ?').run(r.events, r.execution_id, r.first_id);
      for (const r of tasks) db.prepare('UPDATE sfn_tasks SET payload = ? WHERE execution_id = ? AND task_id = ?').run(r.payload, r.execution_id, r.task_id);
      expect(read()).toBeDefined();
    };
    const readE1 = () => engine.describeExecution(e.done);
    // Another row's input.
    moved('UPDATE sfn_executions SET input = (SELECT input FROM sfn_executions WHERE id = ?) WHERE id = ?', [e2, e1], readE1);
    // The same row's output, put into its input column (same row, another column).
    moved('UPDATE sfn_executions SET input = output WHERE id = ?', [e1], readE1);
    // Another execution's cause as this one's output.
    moved('UPDATE sfn_executions SET output = (SELECT cause FROM sfn_executions WHERE id = ?) WHERE id = ?', [e2, e1], readE1);
    // History: e2's first chunk as e1's first chunk.
    moved('UPDATE sfn_history SET events = (SELECT events FROM sfn_history WHERE execution_id = ? AND first_id = 1) WHERE execution_id = ? AND first_id = 1', [e2, e1], () =>
      engine.getExecutionHistory(e.done),
    );
    // Task columns: the token put where the payload was.
    const task = () => db.prepare('SELECT * FROM sfn_tasks WHERE execution_id = ?').get(e3) as Parameters<Engine['store']['taskValue']>[0];
    expect(engine.store.taskValue(task(), 'payload')).toMatchObject({ patient: `Patient/${MARKER}` });
    moved('UPDATE sfn_tasks SET payload = token WHERE execution_id = ?', [e3], () => engine.store.taskValue(task(), 'payload'));
    // Frames: e4's frame under another frame id of the same execution.
    const e4 = id('e4');
    const frame = db.prepare('SELECT frame_id, data FROM sfn_frames WHERE execution_id = ?').get(e4) as { frame_id: string; data: Buffer };
    db.prepare('INSERT INTO sfn_frames (execution_id, frame_id, data) VALUES (?, ?, ?)').run(e4, `${frame.frame_id}x`, frame.data);
    expect(() => engine.store.loadFrames(e4)).toThrow(PayloadBindingError);
    await engine.close();
  });

  it('a journal written before row binding is re-bound once on open and keeps working; unbound ciphertext planted after that is refused', async () => {
    const first = open(KEY);
    const e = await populate(first.engine);
    const token = first.invoked[0]?.token;
    expect(token).toEqual(expect.any(String));
    first.engine.abandon(); // the parked task stays undelivered: the next start re-delivers it
    // Rewrite the journal as the releases before row binding wrote it: executions and task columns
    // sealed without associated data (versions 5-8), history chunks the same, one frame and one
    // input from before key ids (version 1), and no binding mark.
    const db = openDatabase(join(dir, 'clinflow.db'));
    const codec = createPayloadCodec(KEY);
    let rewritten = 0;
    const unbind = (table: string, column: string, where: string, key: unknown[], aad: string, legacy = false) => {
      const stored = db
        .prepare(`SELECT ${column} FROM ${table} WHERE ${where}`)
        .pluck()
        .get(...key) as Buffer | null;
      if (stored === null) return;
      const value = codec.decodeBound(stored, aad);
      const old = legacy ? legacyV1(value) : Buffer.isBuffer(value) ? codec.encodeBinary(value) : codec.encode(value);
      db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${where}`).run(old, ...key);
      rewritten++;
    };
    for (const { id, name } of db.prepare('SELECT id, name FROM sfn_executions').all() as { id: number; name: string }[]) {
      for (const c of ['input', 'output', 'cause'] as const) unbind('sfn_executions', c, 'id = ?', [id], journalAad.execution(id, c), name === 'e4' && c === 'input');
      for (const t of db.prepare('SELECT task_id FROM sfn_tasks WHERE execution_id = ?').pluck().all(id) as string[])
        for (const c of ['payload', 'parameters', 'token'] as const) unbind('sfn_tasks', c, 'execution_id = ? AND task_id = ?', [id, t], journalAad.task(id, t, c));
      for (const f of db.prepare('SELECT first_id FROM sfn_history WHERE execution_id = ?').pluck().all(id) as number[])
        unbind('sfn_history', 'events', 'execution_id = ? AND first_id = ?', [id, f], journalAad.history(id, f));
      for (const f of db.prepare('SELECT frame_id FROM sfn_frames WHERE execution_id = ?').pluck().all(id) as string[])
        unbind('sfn_frames', 'data', 'execution_id = ? AND frame_id = ?', [id, f], journalAad.frame(id, f), true);
    }
    db.exec("DROP TABLE journal_binding; DELETE FROM schema_versions WHERE module = 'journal-binding'");
    db.close();
    expect(rewritten).toBeGreaterThan(12);

    // Opened by mistake with another key (no verifyEncryptionKeys in between): nothing decrypts, so
    // nothing is re-bound and the journal is not marked; the right key still upgrades it below.
    const wrong = open(randomBytes(32).toString('hex'), first.clock);
    expect(wrong.engine.store.binding?.rebound).toBe(0);
    expect(wrong.engine.store.binding?.unreadable.length).toBe(rewritten);
    expect(wrong.engine.db.prepare('SELECT count(*) FROM journal_binding').pluck().get()).toBe(0);
    await wrong.engine.close();

    // The upgrade: opening with the key re-binds every row, once.
    const second = open(KEY, first.clock, true);
    expect(second.engine.store.binding).toEqual({ rebound: rewritten, unreadable: [] });
    expect(second.engine.describeExecution(e.done)).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ echo: `Patient/${MARKER}`, note: 'done' }) });
    expect(second.engine.describeExecution(e.fails)).toMatchObject({ cause: `potassium 6.9 for ${MARKER}` });
    expect(JSON.stringify(second.engine.getExecutionHistory(e.done).events)).toContain(MARKER);
    // The parked task is re-delivered with its payload and token; the waiting execution resumes from its frames.
    expect(await second.engine.recover()).toMatchObject({ running: 2, redelivered: 1 });
    await new Promise((r) => setImmediate(r));
    expect(second.invoked).toEqual([{ payload: { patient: `Patient/${MARKER}`, token }, token }]);
    await second.engine.advanceTo(first.clock.now() + 3_600_000);
    expect(second.engine.describeExecution(e.waits)).toMatchObject({ status: 'SUCCEEDED' });
    await second.engine.close();

    // Re-opening does not re-bind again.
    const third = open(KEY, first.clock);
    expect(third.engine.store.binding).toBeUndefined();
    // After the upgrade, ciphertext without a row binding is refused, whatever its version.
    const id = third.engine.db.prepare("SELECT id FROM sfn_executions WHERE name = 'e1'").pluck().get() as number;
    const input = third.engine.store.executionValue({ id, input: third.engine.db.prepare('SELECT input FROM sfn_executions WHERE id = ?').pluck().get(id) as Buffer }, 'input');
    for (const planted of [codec.encode(input), legacyV1(input)]) {
      third.engine.db.prepare('UPDATE sfn_executions SET input = ? WHERE id = ?').run(planted, id);
      expect(() => third.engine.describeExecution(e.done)).toThrow(PayloadBindingError);
    }
    expect(() => third.engine.describeExecution(e.done)).toThrow(/without a row binding/);
    await third.engine.close();
  });

  it('a row that does not decrypt at all is reported at the upgrade and left to fail when read, not accepted', async () => {
    const { engine } = open(KEY);
    const e = await populate(engine);
    await engine.close();
    const db = openDatabase(join(dir, 'clinflow.db'));
    // Planted plain JSON, and no binding mark (an old journal).
    db.prepare("UPDATE sfn_executions SET input = ? WHERE name = 'e1'").run(JSON.stringify({ patient: 'Patient/planted' }));
    db.exec("DROP TABLE journal_binding; DELETE FROM schema_versions WHERE module = 'journal-binding'");
    db.close();
    const again = open(KEY);
    expect(again.engine.store.binding?.unreadable).toEqual([journalAad.execution(1, 'input')]);
    expect(() => again.engine.describeExecution(e.done)).toThrow(/plaintext rows are refused/);
    expect(again.engine.describeExecution(e.fails)).toMatchObject({ status: 'FAILED' });
    await again.engine.close();
  });
});
