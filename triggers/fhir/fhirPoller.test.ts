import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import type { SourceConfig } from '../../schemas/triggerConfig';
import { type Db, openDatabase } from '../../core/db/openDatabase';
import { CaptureBus } from '../conformance/captureBus';
import { type FixtureFhirServer, startFixtureFhirServer } from '../conformance/fixtureFhirServer';
import { ChangePublisher } from './changePublisher';
import { FhirPoller, type Timers } from './fhirPoller';
import { PollStore } from './pollStore';
import { RoutingAttributeExtractor } from './routingAttributes';

const mr = (id: string, versionId: string, lastUpdated: string, status = 'active') => ({ resourceType: 'MedicationRequest', id, meta: { versionId, lastUpdated }, status, intent: 'order' });
const QUERY = 'MedicationRequest?status=active';

/** Timers the test fires by hand. */
class ManualTimers implements Timers {
  pending = new Map<number, { fn: () => void; ms: number }>();
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.fn();
  }
}

let fixture: FixtureFhirServer;
let db: Db;
let bus: CaptureBus;
let timers: ManualTimers;

function source(extra: Partial<SourceConfig['polling']> = {}): Record<string, SourceConfig> {
  return {
    ehr: {
      kind: 'fhir',
      baseUrl: fixture.baseUrl,
      auth: { bearerToken: 'in' },
      outboundBearerToken: 'out-token',
      outboundTimeoutMs: 15_000,
      polling: { queries: [QUERY], maxPages: 100, startFrom: '2025-03-01T00:00:00Z', ...extra },
    },
  };
}
function poller(sources = source(), fetchFn?: typeof fetch): FhirPoller {
  const publisher = new ChangePublisher(db, bus, new RoutingAttributeExtractor({ MedicationRequest: ['status'] }), { now: () => Date.parse('2025-03-10T00:00:00Z') });
  return new FhirPoller(sources, { db, publisher, clock: { now: () => Date.parse('2025-03-10T00:00:00Z') }, timers, retryDelayMs: 1000, ...(fetchFn ? { fetch: fetchFn } : {}) });
}
const details = () => bus.events().map((e) => FhirChangeDetail.parse(JSON.parse(e.entry.Detail ?? '')));

beforeEach(async () => {
  fixture = await startFixtureFhirServer(
    [
      mr('a', '1', '2025-03-02T10:00:00Z'),
      mr('b', '2', '2025-03-03T10:00:00Z'),
      mr('c', '1', '2025-03-04T10:00:00Z'),
      mr('d', '4', '2025-03-05T10:00:00.123Z'),
      mr('e', '1', '2025-03-06T10:00:00Z', 'stopped'),
      mr('old', '1', '2025-02-01T10:00:00Z'),
    ],
    { pageSize: 2 },
  );
  db = openDatabase(':memory:');
  bus = new CaptureBus(db);
  timers = new ManualTimers();
});
afterEach(async () => {
  await fixture.close();
  db.close();
});

describe('FhirPoller', () => {
  it('follows Bundle.link[next] from the watermark with the outbound credentials, and stores the newest lastUpdated', async () => {
    const outcome = await poller().pollNow('ehr');
    expect(outcome).toEqual({ pages: 2, changes: 4, published: 4, deduped: 0 });
    expect(details().map((d) => [d.reference, d.versionId, d.interaction, d.origin, d.attributes.status])).toEqual([
      ['MedicationRequest/a', '1', 'create', 'polling', 'active'],
      ['MedicationRequest/b', '2', 'update', 'polling', 'active'],
      ['MedicationRequest/c', '1', 'create', 'polling', 'active'],
      ['MedicationRequest/d', '4', 'update', 'polling', 'active'],
    ]);
    expect(fixture.requests[0]?.url.searchParams.get('_lastUpdated')).toBe('ge2025-03-01T00:00:00Z');
    expect(fixture.requests.every((r) => r.authorization === 'Bearer out-token')).toBe(true);
    expect(new PollStore(db).watermark('ehr', QUERY)).toBe('2025-03-05T10:00:00.123Z');
  });

  it('resumes from the durable watermark and dedupes what it sees again', async () => {
    await poller().pollNow('ehr');
    fixture.resources.push(mr('b', '3', '2025-03-07T00:00:00Z'));
    const again = poller(); // a new poller over the same database, as after a restart
    const outcome = await again.pollNow('ehr');
    expect(fixture.requests.at(-1)?.url.searchParams.get('_lastUpdated')).toBe('ge2025-03-05T10:00:00.123Z');
    expect(outcome).toEqual({ pages: 1, changes: 2, published: 1, deduped: 1 });
    expect(details().at(-1)).toMatchObject({ reference: 'MedicationRequest/b', versionId: '3' });
  });

  it('never follows a next link to another host', async () => {
    const fetchFn: typeof fetch = async (input) => {
      const url = new URL(String(input));
      if (url.host !== new URL(fixture.baseUrl).host) throw new Error('followed a foreign link');
      return new Response(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'searchset',
          link: [{ relation: 'next', url: 'https://evil.example.com/fhir/MedicationRequest?page=2' }],
          entry: [{ resource: mr('x', '1', '2025-03-02T00:00:00Z') }],
        }),
        { status: 200 },
      );
    };
    expect(await poller(source(), fetchFn).pollNow('ehr')).toMatchObject({ pages: 1, published: 1 });
  });

  it('keeps the watermark and the pending request when the server fails, and retries after the back-off', async () => {
    let fail = true;
    const fetchFn: typeof fetch = async (input, init) => (fail ? new Response('{}', { status: 503 }) : fetch(input, init));
    const p = poller(source(), fetchFn);
    p.requestPoll('ehr');
    await p.idle();
    const store = new PollStore(db);
    expect(store.pendingSources()).toEqual(['ehr']);
    expect(store.watermark('ehr', QUERY)).toBeUndefined();
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([1000]);
    fail = false;
    timers.fireAll();
    await p.idle();
    expect(store.pendingSources()).toEqual([]);
    expect(details()).toHaveLength(4);
  });

  it('gives up on a server that never answers after outboundTimeoutMs, keeping the watermark and the pending request for the retry', async () => {
    const hung: Server = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/fhir`;
      const sources = source();
      sources.ehr = { ...sources.ehr!, baseUrl: base, outboundTimeoutMs: 300 };
      const p = poller(sources);
      const t0 = performance.now();
      p.requestPoll('ehr');
      await p.idle();
      expect(performance.now() - t0).toBeLessThan(5_000);
      const store = new PollStore(db);
      expect(store.pendingSources()).toEqual(['ehr']);
      expect(store.watermark('ehr', QUERY)).toBeUndefined();
      expect([...timers.pending.values()].map((t) => t.ms)).toEqual([1000]);
      expect(details()).toHaveLength(0);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });

  it('resumes a query-back requested before a restart', async () => {
    new PollStore(db).requestPoll('ehr', 1);
    const p = poller();
    p.start();
    await p.idle();
    expect(details()).toHaveLength(4);
    expect(new PollStore(db).pendingSources()).toEqual([]);
    await p.stop();
  });

  it('polls on its interval through the injected timers', async () => {
    const p = poller(source({ intervalSeconds: 60 }));
    p.start();
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([60_000]);
    timers.fireAll();
    await p.idle();
    expect(details()).toHaveLength(4);
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([60_000]); // rescheduled
    await p.stop();
    expect(timers.pending.size).toBe(0);
  });

  it('runs again when a request arrives during a poll', async () => {
    const p = poller();
    p.requestPoll('ehr');
    p.requestPoll('ehr');
    await p.idle();
    const searches = fixture.requests.filter((r) => r.url.searchParams.get('_offset') === null);
    expect(searches).toHaveLength(2);
    expect(details()).toHaveLength(4);
  });
});
