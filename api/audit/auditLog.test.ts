import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeExecutionCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import { startApiFixture } from '../apiFixture.testkit';
import { AuditLog, type AuditEntry } from './auditLog';

const entry = (i: number): AuditEntry => ({
  atMs: 1_900_000_000_000 + i,
  accessKey: 'AKIATEST',
  sourceIp: '127.0.0.1',
  service: 'states',
  action: 'DescribeExecution',
  resource: `arn:e${i}`,
  kind: 'data',
  outcome: 'ok',
  requestHash: '0'.repeat(64),
});
const repoRoot = resolve(__dirname, '..', '..');

/**
 * The audit trail's write path: a row is committed to the WAL before `append` returns (so kill -9
 * keeps it), and fsyncs are group-committed off the event loop (one covers every row before it).
 */
describe('AuditLog durability', () => {
  let dir: string;
  let db: Db;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-audit-'));
    db = openDatabase(join(dir, 'clinflow.db'));
  });

  afterEach(() => {
    jest.restoreAllMocks();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every appended row through kill -9 of the writing process, chain intact', async () => {
    const file = join(dir, 'killed.db');
    const code = `
      const { openDatabase } = await import('./core/db/openDatabase.ts');
      const { AuditLog } = await import('./api/audit/auditLog.ts');
      const log = new AuditLog(openDatabase(${JSON.stringify(file)}));
      for (let i = 1; i <= 40; i++) log.append({ atMs: i, accessKey: 'AKIATEST', sourceIp: '127.0.0.1', service: 'states', action: 'DescribeExecution', resource: 'arn:e' + i, kind: 'data', outcome: 'ok', requestHash: '0'.repeat(64) });
      process.stdout.write('APPENDED\\n');
      setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    await new Promise<void>((ok, fail) => {
      child.stdout.on('data', (c: Buffer) => {
        // Killed the moment the rows are acknowledged.
        if (c.toString().includes('APPENDED')) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? ok() : fail(new Error(`child exited without being killed: ${err}`))));
    });
    const reopened = openDatabase(file);
    try {
      expect(new AuditLog(reopened).verify()).toEqual({ ok: true, rows: 40 });
    } finally {
      reopened.close();
    }
  }, 60_000);

  it('shares fsyncs between rows (group commit), off the event loop, and resolves sync() only after one covering them', async () => {
    const held: Array<() => void> = [];
    const paths: string[] = [];
    const fsyncSpy = jest.fn((path: string, done: (err: NodeJS.ErrnoException | null) => void) => {
      paths.push(path);
      held.push(() => done(null));
    });
    const log = new AuditLog(db, fsyncSpy);
    for (let i = 0; i < 50; i++) log.append(entry(i));
    // The synchronous mode is back to FULL for everyone else's commits.
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    let synced = false;
    const sync = log.sync().then(() => (synced = true));
    const settle = () => new Promise((r) => setTimeout(r, 20));
    await settle();
    // The first append started a flush (covering row 1); nothing is flushed yet, so sync() waits.
    expect(fsyncSpy).toHaveBeenCalledTimes(1);
    expect(synced).toBe(false);
    held.shift()?.();
    await settle();
    // Rows 2-50, appended while it ran, share the next one.
    expect(fsyncSpy).toHaveBeenCalledTimes(2);
    expect(synced).toBe(false);
    held.shift()?.();
    await sync;
    expect(synced).toBe(true);
    await settle();
    expect(fsyncSpy).toHaveBeenCalledTimes(2);
    // Once all is flushed, a sync() needs no flush; a new row gets its own.
    await log.sync();
    log.append(entry(50));
    const third = log.sync();
    await settle();
    expect(fsyncSpy).toHaveBeenCalledTimes(3);
    held.shift()?.();
    await third;
    expect(log.verify()).toEqual({ ok: true, rows: 51 });
    expect(new Set(paths)).toEqual(new Set([join(dir, 'clinflow.db-wal')]));
  });

  it('flushes the real WAL file with the default fsync', async () => {
    const log = new AuditLog(db);
    log.append(entry(1));
    await expect(log.sync()).resolves.toBeUndefined();
  });

  it('reports a failed flush to sync() callers', async () => {
    const log = new AuditLog(db, (_path, done) => done(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })));
    log.append(entry(1));
    await expect(log.sync()).rejects.toThrow(/flushing the WAL failed: EIO/);
  });
});

describe('API calls and the audit flush', () => {
  it('answers a change only after its audit row is flushed, and a read without waiting for one', async () => {
    const f = await startApiFixture({ database: ':memory:' });
    try {
      const { stateMachineArn } = f.engine.createStateMachine({ name: 'w', definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } }) });
      const sync = jest.spyOn(f.api.audit, 'sync');
      const sfn = f.sfn();
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
      expect(sync).toHaveBeenCalledTimes(1);
      await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(sync).toHaveBeenCalledTimes(1);
      await sfn.send(new StopExecutionCommand({ executionArn }));
      expect(sync).toHaveBeenCalledTimes(2);
      expect(f.api.audit.list().map((r) => r.action)).toEqual(['StopExecution', 'DescribeExecution', 'StartExecution']);
    } finally {
      await f.close();
    }
  });
});
