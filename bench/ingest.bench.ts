/**
 * Ingest throughput of the FHIR notification endpoint with durable storage, against a peer in the
 * same run. Both servers listen on 127.0.0.1 and take the same R4 rest-hook PUTs from an in-process
 * HTTP client (keep-alive, bounded concurrency, a fixed request count).
 *
 * clinflow: bearer check, JSON parse, shape detection, FHIRPath routing attributes, dedupe lookup,
 * the write to the real local bus (engine/bus, SQLite WAL + synchronous FULL) and the dedupe record, then 200.
 * peer: the least a durable webhook receiver can do — bearer check, JSON parse, append one line to
 * a file and fsync it, then 200. The ratio says what normalisation + dedupe + the bus cost over that.
 */
import { appendFileSync, closeSync, fsyncSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Agent, type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../core/db/openDatabase';
import { LocalEventBus } from '../engine/bus/localEventBus';
import { uuidIds } from '../core/clock/ids';
import { systemClock } from '../core/clock/systemClock';
import { createHttpServer } from '../triggers/http/createHttpServer';

const TOKEN = 'bench-token';

interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  failures: number;
}

function arg(args: string[], name: string, fallback: number): number {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  const n = hit ? Number(hit.split('=')[1]) : fallback;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

function body(i: number): string {
  return JSON.stringify({
    resourceType: 'MedicationRequest',
    id: `med-${i}`,
    meta: { versionId: '2', lastUpdated: '2025-03-09T14:05:11.902Z' },
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/pat-${i % 97}` },
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '855332' }] },
  });
}

function send(agent: Agent, port: number, i: number, offset: number): Promise<number> {
  const payload = body(i + offset);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `/fhir/notify/ehr/MedicationRequest/med-${i + offset}`,
        agent,
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function load(port: number, requests: number, concurrency: number, offset: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const i = next++;
        const t0 = performance.now();
        const status = await send(agent, port, i, offset);
        latencies.push(performance.now() - t0);
        if (status !== 200) failures += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { requests, seconds, perSecond: requests / seconds, p50ms: pct(0.5), p99ms: pct(0.99), failures };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/**
 * The peer: a plain node:http receiver that appends each notification to a file with fsync, per
 * request (naive) or once per event-loop turn for every request that arrived in it (group commit).
 */
function startPeer(dir: string, group: boolean): { server: Server; close: () => void } {
  const fd = openSync(join(dir, group ? 'peer-group.log' : 'peer.log'), 'a');
  let waiting: (() => void)[] = [];
  const commit = (): void => {
    fsyncSync(fd);
    const done = waiting;
    waiting = [];
    for (const reply of done) reply();
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end();
        return;
      }
      let parsed: { resourceType?: string; id?: string; meta?: { versionId?: string } };
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof parsed;
      } catch {
        res.writeHead(400).end();
        return;
      }
      appendFileSync(fd, `${parsed.resourceType}/${parsed.id}|${parsed.meta?.versionId}\n`);
      const reply = (): void => void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      if (!group) {
        fsyncSync(fd);
        reply();
        return;
      }
      waiting.push(reply);
      if (waiting.length === 1) setImmediate(commit);
    });
  });
  return { server, close: () => closeSync(fd) };
}

function line(name: string, r: LoadResult): string {
  return `${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(7)} notifications/s   p50 ${r.p50ms.toFixed(2).padStart(6)} ms   p99 ${r.p99ms.toFixed(2).padStart(7)} ms   (${r.requests} in ${r.seconds.toFixed(2)} s${r.failures ? `, ${r.failures} FAILED` : ''})`;
}

export async function run(args: string[] = []): Promise<void> {
  const requests = arg(args, 'requests', 2000);
  const concurrency = arg(args, 'concurrency', 16);
  const warmup = Math.min(300, requests);
  const dir = mkdtempSync(join(tmpdir(), 'clinflow-bench-ingest-'));
  try {
    const db = openDatabase(join(dir, 'clinflow.sqlite'));
    const bus = new LocalEventBus({ db, clock: systemClock, ids: uuidIds });
    const clinflow = createHttpServer(
      { sources: { ehr: { kind: 'fhir', baseUrl: 'https://ehr.example.org/fhir', auth: { bearerToken: TOKEN } } }, routingAttributes: { MedicationRequest: ['status', 'intent'] } },
      { db, bus, clock: systemClock },
    );
    const { port: cPort } = await clinflow.listen(0);
    const peer = startPeer(dir, false);
    const pPort = await listen(peer.server);
    const groupPeer = startPeer(dir, true);
    const gPort = await listen(groupPeer.server);

    process.stdout.write(`${requests} PUT notifications per server, concurrency ${concurrency}, 127.0.0.1, fsync on every accepted request\n`);
    await load(cPort, warmup, concurrency, 1_000_000);
    await load(pPort, warmup, concurrency, 1_000_000);
    await load(gPort, warmup, concurrency, 1_000_000);
    const c = await load(cPort, requests, concurrency, 0);
    const p = await load(pPort, requests, concurrency, 0);
    const g = await load(gPort, requests, concurrency, 0);
    const stored = db.prepare('SELECT count(*) FROM bus_events').pluck().get() as number;
    process.stdout.write(`${line('clinflow /fhir/notify (SQLite FULL)', c)}\n${line('peer: node:http + append + fsync', p)}\n${line('peer: same, group fsync per tick', g)}\n`);
    const ratio = (name: string, peerResult: LoadResult): string =>
      `ratio clinflow/${name}: throughput ${(c.perSecond / peerResult.perSecond).toFixed(2)}x, p50 latency ${(c.p50ms / peerResult.p50ms).toFixed(2)}x, p99 latency ${(c.p99ms / peerResult.p99ms).toFixed(2)}x\n`;
    process.stdout.write(ratio('peer', p) + ratio('group-fsync peer', g));
    process.stdout.write(`clinflow stored ${stored} bus events (expected ${requests + warmup})\n`);
    await clinflow.close();
    for (const pr of [peer, groupPeer]) {
      await new Promise<void>((r) => pr.server.close(() => r()));
      pr.close();
    }
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
