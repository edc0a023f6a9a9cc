import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase } from '../../core/db/openDatabase';
import { LocalEventBus } from './localEventBus';

const root = resolve(__dirname, '..', '..');

describe('bus crash recovery (kill -9)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-bus-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers every acknowledged event after the process is killed mid-stream', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'engine', 'bus', 'busCrashChild.testkit.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: string[] = [];
    await new Promise<void>((res, rej) => {
      let buf = '';
      child.once('error', rej);
      child.once('exit', (code, signal) => (signal === 'SIGKILL' ? res() : rej(new Error(`child exited early with ${code}`))));
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) if (l.startsWith('ack ')) acked.push(l.slice(4));
        if (acked.length >= 200 && child.signalCode === null) child.kill('SIGKILL');
      });
    });
    expect(acked.length).toBeGreaterThanOrEqual(200);

    const calls: StartExecutionCommandInput[] = [];
    const db = openDatabase(join(dir, 'clinflow.sqlite'));
    try {
      const bus = new LocalEventBus({
        db,
        clock: new SimulatedClock(Date.now() + 1000),
        ids: sequentialIds(),
        executions: {
          startExecution: async (input) => {
            calls.push(input);
            return { executionArn: 'arn', startDate: new Date(0) };
          },
          sendTaskSuccess: async () => {},
          sendTaskFailure: async () => {},
          sendTaskHeartbeat: async () => {},
        },
      });
      await bus.deliverDue();
      const delivered = new Set(calls.map((c) => (JSON.parse(c.input ?? '{}') as { id: string }).id));
      const lost = acked.filter((id) => !delivered.has(id));
      expect(lost).toEqual([]);
      expect(bus.pendingDeliveries()).toBe(0);
    } finally {
      db.close();
    }
  }, 90_000);
});
