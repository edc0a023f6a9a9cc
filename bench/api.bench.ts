/**
 * The AWS-compatible API over HTTP (api/), measured through the SDK client as an operator's tool
 * would call it (SigV4 signing and verification included):
 *  - ListExecutions pages of 100 over 1 000 000 executions (goal < 20 ms a page), without and with
 *    a status filter, and by FHIR reference (the local index);
 *  - GetExecutionHistory of a ~25 000-event execution (goal < 200 ms): one 1000-event page, and
 *    the whole history paged;
 *  - DescribeExecution requests per second over HTTP against the in-process call (a ratio).
 *
 * Options: --executions=N (default 1 000 000), --seconds=N (rate measurement, default 2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { startApiFixture } from '../api/testing/apiFixture';

const arg = (args: string[], name: string, dflt: number): number => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
};

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return `median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, max ${q(1).toFixed(2)} ms (${s.length} calls)`;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

export async function run(args: string[]): Promise<void> {
  const total = arg(args, 'executions', 1_000_000);
  const seconds = arg(args, 'seconds', 2);
  const dir = mkdtempSync(join(tmpdir(), 'clinflow-bench-api-'));
  const f = await startApiFixture({ database: join(dir, 'clinflow.db') });
  try {
    const sfn = f.sfn();
    // --- 1 000 000 executions, written straight into the journal's table (starting them one by one would take the run's hour).
    const wait = f.engine.createStateMachine({ name: 'bench-list', definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } }) });
    const smId = f.engine.store.stateMachineByName('bench-list')?.id ?? 0;
    const revId = f.engine.store.stateMachineByName('bench-list')?.revision_id ?? 0;
    const t0 = performance.now();
    f.db.pragma('synchronous = OFF');
    const insert = f.db.prepare(
      "INSERT INTO sfn_executions (state_machine_id, revision_id, name, status, input, input_digest, start_ms, stop_ms, meta, next_event) VALUES (?, ?, ?, ?, ?, 'd', ?, ?, '{}', 1)",
    );
    const statuses = ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED', 'FAILED', 'RUNNING'];
    const start = Date.UTC(2029, 0, 1);
    for (let i = 0; i < total; i += 50_000) {
      f.db.transaction(() => {
        for (let j = i; j < Math.min(total, i + 50_000); j++) {
          const status = statuses[j % 10] ?? 'SUCCEEDED';
          insert.run(smId, revId, `e${j}`, status, `{"detail":{"reference":"MedicationRequest/m${j % 100000}"}}`, start + j * 1000, status === 'RUNNING' ? null : start + j * 1000 + 500);
        }
      })();
    }
    f.db.pragma('synchronous = FULL');
    process.stdout.write(`journal: ${total} executions written in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    const page = async (extra: Record<string, unknown>, pages: number): Promise<number[]> => {
      const ms: number[] = [];
      let nextToken: string | undefined;
      for (let p = 0; p < pages; p++) {
        const [out, t] = await timed(() => sfn.send(new ListExecutionsCommand({ stateMachineArn: wait.stateMachineArn, maxResults: 100, ...extra, ...(nextToken ? { nextToken } : {}) })));
        if ((out.executions?.length ?? 0) !== 100) throw new Error(`page ${p} had ${out.executions?.length} executions`);
        ms.push(t);
        nextToken = out.nextToken;
      }
      return ms;
    };
    await page({}, 5); // warm
    process.stdout.write(`ListExecutions, pages of 100 over ${total}: ${stats(await page({}, 200))}   (goal < 20 ms)\n`);
    process.stdout.write(`ListExecutions statusFilter=FAILED:           ${stats(await page({ statusFilter: 'FAILED' }, 200))}\n`);
    process.stdout.write(`ListExecutions redriveFilter=NOT_REDRIVEN:    ${stats(await page({ redriveFilter: 'NOT_REDRIVEN' }, 50))}\n`);
    // Deep page: a token from near the end.
    const deepToken = Buffer.from(JSON.stringify({ c: 1000 })).toString('base64url');
    const [, deep] = await timed(() => sfn.send(new ListExecutionsCommand({ stateMachineArn: wait.stateMachineArn, maxResults: 100, nextToken: deepToken })));
    process.stdout.write(`ListExecutions, the page at execution 1000 of ${total}: ${deep.toFixed(2)} ms\n`);

    // --- a ~25 000-event execution: a Map over 6 000 items of one Pass state (4 events an item).
    const big = f.engine.createStateMachine({
      name: 'bench-history',
      definition: JSON.stringify({ StartAt: 'M', States: { M: { Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 0, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, ResultSelector: { n: 1 }, End: true } } }),
    });
    const t1 = performance.now();
    const { executionArn } = await f.engine.startExecution({ stateMachineArn: big.stateMachineArn, input: JSON.stringify({ items: Array.from({ length: 6000 }, (_, i) => i) }) });
    await f.engine.runUntilIdle();
    const d = f.engine.describeExecution({ executionArn });
    const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1, reverseOrder: true }));
    const events = first.events?.[0]?.id ?? 0;
    process.stdout.write(`history execution: ${d.status}, ${events} events, run in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);
    const onePage: number[] = [];
    for (let i = 0; i < 20; i++) onePage.push((await timed(() => sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: Buffer.from(JSON.stringify({ c: (i % 20) * 1000 })).toString('base64url') }))))[1]);
    process.stdout.write(`GetExecutionHistory, one page of 1000 events: ${stats(onePage)}\n`);
    const whole: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [, t] = await timed(async () => {
        let nextToken: string | undefined;
        let n = 0;
        do {
          const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }));
          n += out.events?.length ?? 0;
          nextToken = out.nextToken;
        } while (nextToken);
        if (n !== events) throw new Error(`paged ${n} of ${events} events`);
      });
      whole.push(t);
    }
    process.stdout.write(`GetExecutionHistory, all ${events} events (pages of 1000): ${stats(whole)}   (goal < 200 ms)\n`);

    // --- DescribeExecution over HTTP vs in process.
    const target = { executionArn: `${wait.stateMachineArn.replace(':stateMachine:', ':execution:')}:e12345` };
    const rate = async (fn: () => Promise<unknown>): Promise<number> => {
      const until = performance.now() + seconds * 1000;
      let n = 0;
      while (performance.now() < until) {
        await fn();
        n += 1;
      }
      return n / seconds;
    };
    await rate(() => sfn.send(new DescribeExecutionCommand(target)));
    const http = await rate(() => sfn.send(new DescribeExecutionCommand(target)));
    const inProcess = await rate(() => Promise.resolve(f.engine.describeExecution(target)));
    process.stdout.write(`DescribeExecution: ${http.toFixed(0)}/s over HTTP (SDK, SigV4, audited) vs ${inProcess.toFixed(0)}/s in process: ratio ${(inProcess / http).toFixed(1)}x\n`);
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
