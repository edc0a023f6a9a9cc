import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TriggerConfigInput } from '../../schemas/triggerConfig';
import { describeError } from '../../triggers/http/createTriggerRouter';
import { type TestServer, rawRequest, startTestServer } from '../../triggers/http/triggerTestServer.testkit';

/**
 * Issue 11, the HTTP edge under abuse: signatures refused before the body, timeouts that fire on
 * time, a connection limit, deep JSON answered 400 (never a retryable 5xx), and 200 slow
 * unauthenticated uploads that do not pin memory.
 */
const root = resolve(__dirname, '..', '..');
const SIG = 'ab'.repeat(32); // well-formed, wrong
const config: TriggerConfigInput = {
  sources: {
    ehr: { kind: 'fhir', baseUrl: 'https://ehr.example.org/fhir', auth: { bearerToken: 'ehr-token' } },
    mp: { kind: 'medplum', baseUrl: 'https://medplum.example.org/fhir', auth: { hmacSecret: 'mp-secret' } },
  },
  events: { bearerTokens: ['events-token'] },
  headersTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  maxConnections: 20,
};

/** Opens a socket, writes `text`, and resolves when the server closes it (ms after writing) with what it answered. */
function holdOpen(port: number, text: string): Promise<{ closedAfterMs: number; answer: string }> {
  return new Promise((res, rej) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let start = 0;
    socket.on('connect', () => {
      start = performance.now();
      socket.write(text);
    });
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => res({ closedAfterMs: performance.now() - start, answer }));
    setTimeout(() => rej(new Error('server never closed the connection')), 15_000).unref();
  });
}

/** JSON text of objects nested `n` deep (built as text: JSON.stringify itself would overflow). */
const deep = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('adversarial: HTTP edge', () => {
  let s: TestServer;
  let port: number;
  beforeAll(async () => {
    s = await startTestServer(config);
    port = Number(new URL(s.url).port);
  });
  afterAll(() => s.stop());

  it('a missing or malformed signature is refused before any of the body is read', async () => {
    // Content-Length promises 1 MB that never comes: the answer cannot have waited for it.
    for (const sig of [undefined, 'not-hex']) {
      const head = ['POST /fhir/notify/mp HTTP/1.1', 'Host: x', 'Content-Type: application/fhir+json', 'Content-Length: 1000000', ...(sig ? [`X-Signature: ${sig}`] : [])];
      const { answer, closedAfterMs } = await holdOpen(port, `${head.join('\r\n')}\r\n\r\n{"resourceType":`);
      expect(answer).toMatch(/^HTTP\/1.1 401/);
      expect(closedAfterMs).toBeLessThan(900); // well before the 1 s headers / 2 s request timeouts
    }
    // A well-formed but wrong signature is checked against the streamed body: 401 too.
    const wrong = await rawRequest(`${s.url}/fhir/notify/mp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', 'X-Signature': SIG },
      chunks: ['{"resourceType":"Patient","id":"p1"}'],
    });
    expect(wrong.status).toBe(401);
    expect(s.bus.events()).toHaveLength(0);
  });

  it('header and body timeouts fire on time, not at the 30 s check interval', async () => {
    const headers = await holdOpen(port, 'POST /fhir/notify/mp HTTP/1.1\r\nHost: x\r\n');
    expect(headers.closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(headers.closedAfterMs).toBeLessThan(2500);
    const body = await holdOpen(port, `POST /fhir/notify/mp HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nX-Signature: ${SIG}\r\nContent-Length: 100\r\n\r\n{"a":`);
    expect(body.closedAfterMs).toBeGreaterThanOrEqual(1900);
    expect(body.closedAfterMs).toBeLessThan(4000);
  });

  it('connections beyond maxConnections are closed at once', async () => {
    // A server of its own: keep-alive connections of the other tests would count against the limit.
    const own = await startTestServer(config);
    const port = Number(new URL(own.url).port);
    const sockets: Socket[] = [];
    const closed: boolean[] = [];
    for (let i = 0; i < 30; i++) {
      const sock = connect(port, '127.0.0.1');
      const idx = i;
      closed[idx] = false;
      sock.on('close', () => (closed[idx] = true));
      sock.on('error', () => undefined);
      sockets.push(sock);
      await new Promise((r) => sock.once('connect', r));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(closed.filter(Boolean).length).toBeGreaterThanOrEqual(10);
    expect(closed.slice(0, 20).every((c) => !c)).toBe(true);
    for (const sock of sockets) sock.destroy();
    await own.stop();
  });

  it('JSON nested 5 000 deep gets 400 OperationOutcome, in a PutEvents Detail and in a notification', async () => {
    const events = await fetch(`${s.url}/events`, {
      method: 'POST',
      headers: { Authorization: 'Bearer events-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ Entries: [{ Source: 'lab.system', DetailType: 'Result Ready', Detail: deep(5000) }] }),
    });
    expect(events.status).toBe(400);
    expect(((await events.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const notify = await fetch(`${s.url}/fhir/notify/ehr`, {
      method: 'POST',
      headers: { Authorization: 'Bearer ehr-token', 'Content-Type': 'application/fhir+json' },
      body: `{"resourceType":"MedicationRequest","id":"m1","meta":{"versionId":"1"},"note":${deep(5000)}}`,
    });
    expect(notify.status).toBe(400);
    expect(((await notify.json()) as { issue: { diagnostics: string }[] }).issue[0]?.diagnostics).toMatch(/deeper than 64/);
    // Strings that look like brackets do not count.
    const brackets = await fetch(`${s.url}/events`, {
      method: 'POST',
      headers: { Authorization: 'Bearer events-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ Entries: [{ Source: 'lab.system', DetailType: 'Result Ready', Detail: JSON.stringify({ text: '['.repeat(5000) + '\\"{' }) }] }),
    });
    expect(brackets.status).toBe(200);
    expect(s.bus.events()).toHaveLength(1);
  });

  it('unauthenticated body reads are limited per source: beyond the limit 429 before the body, other sources unaffected, a slot freed is reusable', async () => {
    const own = await startTestServer({ ...config, maxUnauthenticatedReadsPerSource: 2 });
    const port = Number(new URL(own.url).port);
    const held: Socket[] = [];
    try {
      // Two HMAC uploads that promise a body and stall: they hold the source's two read slots.
      for (let i = 0; i < 2; i++) {
        const sock = connect(port, '127.0.0.1');
        sock.on('error', () => undefined);
        held.push(sock);
        sock.write(`POST /fhir/notify/mp HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nX-Signature: ${SIG}\r\nContent-Length: 1000\r\n\r\n{"a":`);
      }
      await new Promise((r) => setTimeout(r, 300));
      // The third is refused before its body is read (Content-Length promises bytes that never come).
      const third = await holdOpen(port, `POST /fhir/notify/mp HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nX-Signature: ${SIG}\r\nContent-Length: 1000\r\n\r\n{"a":`);
      expect(third.answer).toMatch(/^HTTP\/1.1 429/);
      expect(third.answer).toMatch(/Retry-After: 1/i);
      expect(third.answer).toContain('OperationOutcome');
      expect(third.closedAfterMs).toBeLessThan(900);
      // A bearer-token source is checked before any read and is not limited by mp's readers.
      const ehr = await fetch(`${own.url}/fhir/notify/ehr`, { method: 'POST', headers: { Authorization: 'Bearer wrong', 'Content-Type': 'application/fhir+json' }, body: '{}' });
      expect(ehr.status).toBe(401);
      for (const sock of held) sock.destroy();
      await new Promise((r) => setTimeout(r, 300));
      const after = await rawRequest(`${own.url}/fhir/notify/mp`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json', 'X-Signature': SIG },
        chunks: ['{"resourceType":"Patient","id":"p1"}'],
      });
      expect(after.status).toBe(401); // read (and refused on its signature), not throttled
    } finally {
      for (const sock of held) sock.destroy();
      await own.stop();
    }
  });

  it('an unexpected error is logged by name and code location only, never its message (which may quote the request)', () => {
    const err = new TypeError('cannot read MedicationRequest/PHIMARK-7781 for Patient/PHIMARK-7781');
    const logged = JSON.stringify(describeError(err));
    expect(logged).not.toContain('PHIMARK');
    expect(describeError(err).name).toBe('TypeError');
    expect(describeError(err).at[0]).toMatch(/httpEdge\.test\.ts/);
  });
});

describe('adversarial: 200 slow unauthenticated uploads', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('grow the server RSS by less than 50 MB', async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-edge-'));
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'triggers', 'http', 'edgeChild.testkit.ts'), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    child = proc;
    const lines: string[] = [];
    const waiters: ((l: string) => void)[] = [];
    let buf = '';
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const w = waiters.shift();
        if (w) w(line);
        else lines.push(line);
      }
    });
    const nextLine = () => new Promise<string>((r) => (lines.length > 0 ? r(lines.shift() ?? '') : waiters.push(r)));
    const childPort = Number(await nextLine());
    const stats = async () => {
      proc.stdin?.write('rss\n');
      const [rss, closed, bytesRead] = (await nextLine()).split(' ').map(Number);
      return { rss: rss ?? NaN, closed: closed ?? NaN, bytesRead: bytesRead ?? NaN };
    };
    // Warm up the paths the attack uses, then take the baseline.
    await rawRequest(`http://127.0.0.1:${childPort}/fhir/notify/mp`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json', 'X-Signature': SIG }, chunks: ['{}'] });
    const before = await stats();

    // Each upload promises 1 MB (the body limit), sends 960 KB, and stalls: a slowloris on the body.
    const sockets: Socket[] = [];
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let i = 0; i < 200; i++) {
      const sock = connect(childPort, '127.0.0.1');
      sock.on('error', () => undefined);
      sockets.push(sock);
      sock.write(`POST /fhir/notify/mp HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nX-Signature: ${SIG}\r\nContent-Length: 1048576\r\n\r\n`);
      for (let k = 0; k < 15; k++) sock.write(chunk);
    }
    // Let the uploads arrive (the server's request timeout is 30 s: they are all still open).
    await new Promise((r) => setTimeout(r, 3000));
    const during = await stats();
    for (const sock of sockets) sock.destroy();
    const growthMb = (during.rss - before.rss) / 1024 / 1024;
    expect(growthMb).toBeLessThan(50);
    // The 8 allowed reads stay open; the rest were refused (429) and closed after one socket read:
    // node's default (drain the refused body until destroySoon lands) read two each, 128 KiB.
    const refused = during.closed - before.closed;
    expect(refused).toBe(192);
    expect((during.bytesRead - before.bytesRead) / refused).toBeLessThan(96 * 1024);
  }, 30_000);
});
