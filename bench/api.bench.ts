/**
 * The AWS-compatible API over HTTP (api/), measured through the SDK client as an operator's tool
 * would call it (SigV4 signing and verification, the audit trail included):
 *  - ListExecutions pages of 100 over 1 000 000 executions (target < 20 ms a page): without and
 *    with a status filter, redriven only, from deep in the list, and by FHIR reference;
 *  - GetExecutionHistory of a ~25 000-event execution (target < 200 ms for the whole history, in
 *    pages of 1000), and one page;
 *  - DescribeExecution requests per second over HTTP against the in-process call (a ratio), with
 *    where the time goes: the SDK client, HTTP + SigV4 + JSON, the audit row.
 *
 * Seeding (a documented fast path, not the engine's start path, which would take the run's hour):
 * the executions are written through `JournalStore.insertExecution` (so the input goes through the
 * journal's codec as always) and ended with one UPDATE each, all in one transaction with
 * synchronous=OFF for the seed only; one in three shares its start time with the next, as a burst
 * would. The pages are then read with the database's normal durability settings.
 *
 * Options: --executions=N (default 1 000 000), --seconds=N (each rate measurement, default 2).
 * Wall-clock numbers on a shared machine vary with its load: compare runs on an idle machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { canonicalRequest, signingKey } from '../api/auth/sigv4';
import { OPERATOR, startApiFixture, type ApiFixture } from '../api/apiFixture.testkit';

const arg = (args: string[], name: string, dflt: number): number => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
};

const quantile = (ms: number[], p: number): number => {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
};

function stats(ms: number[]): string {
  return `median ${quantile(ms, 0.5).toFixed(2)} ms, p95 ${quantile(ms, 0.95).toFixed(2)} ms, max ${quantile(ms, 1).toFixed(2)} ms (${ms.length} calls)`;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

/** Calls per wall-clock second, and CPU microseconds of this process (client and server both) per call. */
async function rate(seconds: number, fn: () => Promise<unknown>): Promise<{ perSecond: number; cpuUs: number }> {
  const until = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() < until) {
    await fn();
    n += 1;
  }
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: n / ((performance.now() - t0) / 1000), cpuUs: (cpu.user + cpu.system) / n };
}

/**
 * A minimal Step Functions client: signs each request (SigV4, with the server's own canonical
 * form) and posts it on one keep-alive connection, then JSON.parses the answer. Against the SDK
 * client it shows how much of a call is the SDK's own work (its (de)serialisation and middleware).
 */
function minimalClient(endpoint: string): { call(operation: string, input: object): Promise<Record<string, unknown>>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(endpoint);
  return {
    call(operation, input) {
      const body = JSON.stringify(input);
      const amzDate = new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
      const date = amzDate.slice(0, 8);
      const headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-date': amzDate, 'x-amz-target': `AWSStepFunctions.${operation}` };
      const signedHeaders = Object.keys(headers).sort();
      const payloadHash = createHash('sha256').update(body).digest('hex');
      const scope = `${date}/us-east-1/states/aws4_request`;
      const canonical = canonicalRequest({ method: 'POST', url: '/', headers, body: Buffer.from(body) }, signedHeaders, payloadHash);
      const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
      const signature = createHmac('sha256', signingKey(OPERATOR.secretAccessKey, date, 'us-east-1', 'states'))
        .update(toSign)
        .digest('hex');
      headers.authorization = `AWS4-HMAC-SHA256 Credential=${OPERATOR.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
      return new Promise((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`${operation} answered ${res.statusCode}: ${text.slice(0, 200)}`));
            else resolve(JSON.parse(text) as Record<string, unknown>);
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

async function timedRepeat(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push((await timed(fn))[1]);
  return ms;
}

function seed(f: ApiFixture, total: number): { stateMachineArn: string; smId: number } {
  const { stateMachineArn } = f.engine.createStateMachine({ name: 'bench-list', definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } }) });
  const sm = f.engine.store.stateMachineByName('bench-list');
  if (!sm) throw new Error('bench-list was not created');
  const end = f.db.prepare('UPDATE sfn_executions SET status = ?, stop_ms = ?, redrive_count = ? WHERE id = ?');
  const statuses = ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED', 'FAILED', 'RUNNING'];
  const start = Date.UTC(2029, 0, 1);
  f.db.pragma('synchronous = OFF');
  f.db.transaction(() => {
    for (let j = 0; j < total; j++) {
      const startMs = start + Math.floor(j / 3) * 1000 + (j % 3 === 2 ? 1 : 0);
      const id = f.engine.store.insertExecution({
        smId: sm.id,
        revisionId: sm.revision_id,
        name: `e${j}`,
        inputText: `{"detail":{"reference":"MedicationRequest/m${j % 100_000}"}}`,
        inputDigest: 'd',
        startMs,
        meta: '{}',
      });
      const status = statuses[j % 10] ?? 'SUCCEEDED';
      if (status !== 'RUNNING') end.run(status, startMs + 500, j % 1000 === 7 ? 1 : 0, id);
    }
  })();
  f.db.pragma('synchronous = FULL');
  return { stateMachineArn, smId: sm.id };
}

async function listExecutions(sfn: SFNClient, stateMachineArn: string, total: number, out: (s: string) => void): Promise<number> {
  const page = async (extra: Record<string, unknown>, pages: number, expectFull = true): Promise<number[]> => {
    const ms: number[] = [];
    let nextToken: string | undefined;
    for (let p = 0; p < pages; p++) {
      const [res, t] = await timed(() => sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100, ...extra, ...(nextToken ? { nextToken } : {}) })));
      if (expectFull && (res.executions?.length ?? 0) !== 100) throw new Error(`page ${p} had ${res.executions?.length} executions`);
      ms.push(t);
      nextToken = res.nextToken;
      if (!nextToken) break;
    }
    return ms;
  };
  await page({}, 5); // warm
  const plain = await page({}, 200);
  out(`ListExecutions, pages of 100 over ${total}:   ${stats(plain)}   (target < 20 ms)\n`);
  out(`  statusFilter=FAILED:                     ${stats(await page({ statusFilter: 'FAILED' }, 200))}\n`);
  out(`  redriveFilter=REDRIVEN (1 in 1000):      ${stats(await page({ redriveFilter: 'REDRIVEN' }, 10, false))}\n`);
  out(`  redriveFilter=NOT_REDRIVEN:              ${stats(await page({ redriveFilter: 'NOT_REDRIVEN' }, 50))}\n`);
  // Deep pages: a cursor near the oldest executions (the token is the API's own keyset form).
  const deep: number[] = [];
  for (let i = 0; i < 50; i++) {
    const nextToken = Buffer.from(JSON.stringify({ s: Date.UTC(2029, 0, 1) + (1000 + i * 7) * 1000, c: 3000 + i * 21 })).toString('base64url');
    deep.push((await timed(() => sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100, nextToken }))))[1]);
  }
  out(`  a page among the oldest 3000:            ${stats(deep)}\n`);
  const [, catchUp] = await timed(() => sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100, clinflowReference: 'MedicationRequest/m1' } as never)));
  const byRef: number[] = [];
  for (let i = 0; i < 50; i++)
    byRef.push((await timed(() => sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100, clinflowReference: `MedicationRequest/m${i * 17}` } as never))))[1]);
  out(`  clinflowReference (10 runs each):        ${stats(byRef)}; the first call indexed the ${total} inputs in ${(catchUp / 1000).toFixed(1)} s\n`);
  return quantile(plain, 0.5);
}

/** A ~25 000-event execution: a Map over 6 000 items of one Pass state (4 events an item), run in one step. */
export async function bigHistory(engine: ApiFixture['engine']): Promise<string> {
  const big = engine.createStateMachine({
    name: 'bench-history',
    definition: JSON.stringify({
      StartAt: 'M',
      States: { M: { Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 0, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, ResultSelector: { n: 1 }, End: true } },
    }),
  });
  const { executionArn } = await engine.startExecution({
    stateMachineArn: big.stateMachineArn,
    input: JSON.stringify({ items: Array.from({ length: 6000 }, (_, i) => ({ item: i, patient: `Patient/p${i % 50}` })) }),
  });
  await engine.runUntilIdle();
  return executionArn;
}

/** Every page of a history through the SDK client, pages of 1000; checks the count. */
async function readWholeHistory(sfn: SFNClient, executionArn: string, events: number, extra: Record<string, unknown> = {}): Promise<void> {
  let nextToken: string | undefined;
  let n = 0;
  do {
    const res = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...extra, ...(nextToken ? { nextToken } : {}) }));
    n += res.events?.length ?? 0;
    nextToken = res.nextToken;
  } while (nextToken);
  if (n !== events) throw new Error(`paged ${n} of ${events} events`);
}

/**
 * The same read against a server in its own process, as `clinflow dev` and an operator's tool (the
 * AWS CLI, `clinflow executions history`) run: the server then prepares the next page while the
 * client decodes this one. In one process the two take turns on one thread.
 */
async function historyFromOwnProcess(events: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'historyServer.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString('utf8');
        const end = buffered.indexOf('\n');
        if (end >= 0) resolve(buffered.slice(0, end));
      });
      child.once('exit', (code) => reject(new Error(`history server exited (${String(code)}) before it was ready`)));
    });
    const { endpoint, executionArn } = JSON.parse(line) as { endpoint: string; executionArn: string };
    const sfn = new SFNClient({ endpoint, region: 'us-east-1', credentials: OPERATOR, maxAttempts: 1, disableHostPrefix: true });
    await readWholeHistory(sfn, executionArn, events); // warm
    const ms = await timedRepeat(5, () => readWholeHistory(sfn, executionArn, events));
    sfn.destroy();
    return ms;
  } finally {
    child.kill();
  }
}

async function history(f: ApiFixture, sfn: SFNClient, out: (s: string) => void): Promise<{ ownProcess: number; oneProcess: number }> {
  const t1 = performance.now();
  const executionArn = await bigHistory(f.engine);
  const d = f.engine.describeExecution({ executionArn });
  const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1, reverseOrder: true }));
  const events = first.events?.[0]?.id ?? 0;
  out(`history execution: ${d.status}, ${events} events, run in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);
  const onePage: number[] = [];
  for (let i = 0; i < 20; i++) {
    const nextToken = Buffer.from(JSON.stringify({ c: (i * 7919) % (events - 1000) })).toString('base64url');
    onePage.push((await timed(() => sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }))))[1]);
  }
  out(`GetExecutionHistory, one page of 1000 events anywhere: ${stats(onePage)}\n`);
  const whole = (extra: Record<string, unknown>): Promise<number[]> => timedRepeat(5, () => readWholeHistory(sfn, executionArn, events, extra));
  const all = await whole({});
  out(`GetExecutionHistory, all ${events} events (pages of 1000), SDK client and server in one process: ${stats(all)}\n`);
  const own = await historyFromOwnProcess(events);
  out(`  the server in its own process (as clinflow dev runs):                   ${stats(own)}   (target < 200 ms)\n`);
  out(`  reverseOrder:                  ${stats(await whole({ reverseOrder: true }))}\n`);
  out(`  includeExecutionData=false:    ${stats(await whole({ includeExecutionData: false }))}\n`);
  const minimal = minimalClient(f.endpoint);
  out(
    `  minimal signed client (no SDK): ${stats(
      await timedRepeat(5, async () => {
        let nextToken: string | undefined;
        do nextToken = (await minimal.call('GetExecutionHistory', { executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) })).nextToken as string | undefined;
        while (nextToken);
      }),
    )}\n`,
  );
  minimal.close();
  const inProcess: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    let nextToken: string | undefined;
    do nextToken = f.engine.getExecutionHistory({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }).nextToken;
    while (nextToken);
    inProcess.push(performance.now() - t);
  }
  out(`  the same pages in process (no HTTP, no SDK): ${stats(inProcess)}\n`);
  return { ownProcess: quantile(own, 0.5), oneProcess: quantile(all, 0.5) };
}

async function describe(f: ApiFixture, sfn: SFNClient, executionArn: string, seconds: number, out: (s: string) => void): Promise<void> {
  const target = { executionArn };
  // One SDK-signed request, captured and replayed over a keep-alive connection: the server's whole
  // path (SigV4 verification, audit row, JSON) without the SDK client's own work.
  let signed: Record<string, string> = {};
  sfn.middlewareStack.add(
    (next) => async (args) => {
      signed = { ...(args.request as { headers: Record<string, string> }).headers };
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchCaptureSigned' },
  );
  await sfn.send(new DescribeExecutionCommand(target));
  sfn.middlewareStack.remove('benchCaptureSigned');
  const body = JSON.stringify(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(f.endpoint);
  const raw = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { ...signed, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`DescribeExecution answered ${res.statusCode}`));
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
  await rate(0.5, () => sfn.send(new DescribeExecutionCommand(target)));
  await rate(0.5, raw);
  const inProcess = await rate(seconds, () => Promise.resolve(f.engine.describeExecution(target)));
  const sdk = await rate(seconds, () => sfn.send(new DescribeExecutionCommand(target)));
  const server = await rate(seconds, raw);
  // Attribution only: the same replayed request without its audit row.
  const append = f.api.audit.append.bind(f.api.audit);
  f.api.audit.append = (e) => ({ ...e, seq: 0, prevHash: '', hash: '' });
  const unaudited = await rate(seconds, raw);
  f.api.audit.append = append;
  agent.destroy();
  const line = (label: string, r: { perSecond: number; cpuUs: number }): string =>
    `  ${label.padEnd(52)}${r.perSecond.toFixed(0).padStart(8)}/s  ${r.cpuUs.toFixed(0).padStart(6)} µs CPU/call  ratio ${(inProcess.perSecond / r.perSecond).toFixed(1)}x\n`;
  out('DescribeExecution (one execution, sequential calls, one keep-alive connection):\n');
  out(line('in process (engine.describeExecution)', inProcess));
  out(line('over HTTP, SDK client (SigV4, audited)', sdk));
  out(line('over HTTP, one signed request replayed (no SDK)', server));
  out(line('  the same without the audit row (attribution)', unaudited));
  const perCall = (r: { perSecond: number }): number => 1e6 / r.perSecond;
  out(
    `  per call: SDK client ${(perCall(sdk) - perCall(server)).toFixed(0)} µs, audit row ${(perCall(server) - perCall(unaudited)).toFixed(0)} µs, HTTP + SigV4 + JSON + describe ${perCall(unaudited).toFixed(0)} µs (in process: ${perCall(inProcess).toFixed(0)} µs)\n`,
  );
}

export async function run(args: string[]): Promise<void> {
  const total = arg(args, 'executions', 1_000_000);
  const seconds = arg(args, 'seconds', 2);
  const dir = mkdtempSync(join(tmpdir(), 'clinflow-bench-api-'));
  const f = await startApiFixture({ database: join(dir, 'clinflow.db') });
  const out = (s: string): void => void process.stdout.write(s);
  // The bench's keep-alive clients may idle longer than Node's 5 s default between phases on a loaded machine.
  f.server.keepAliveTimeout = 120_000;
  try {
    const sfn = f.sfn();
    const t0 = performance.now();
    const { stateMachineArn } = seed(f, total);
    out(`journal: ${total} executions seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s (one transaction through JournalStore.insertExecution)\n`);
    const list = await listExecutions(sfn, stateMachineArn, total, out);
    const hist = await history(f, sfn, out);
    await describe(f, sfn, `${stateMachineArn.replace(':stateMachine:', ':execution:')}:e12345`, seconds, out);
    const verdict = (ms: number, bar: number): string => `${ms.toFixed(1)} ms (${ms < bar ? 'met' : 'MISSED'})`;
    out(
      `\ntargets: ListExecutions page median < 20 ms: ${verdict(list, 20)}; whole 25 000-event history median < 200 ms, server in its own process: ${verdict(hist.ownProcess, 200)} (client and server in one process: ${hist.oneProcess.toFixed(1)} ms)\n`,
    );
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
