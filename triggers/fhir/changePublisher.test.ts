import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { BusPort } from '../../schemas/ports';
import { openDatabase } from '../../core/db/openDatabase';
import { HttpProblem } from '../http/httpProblem';
import { ChangePublisher } from './changePublisher';
import type { ResourceChange } from './resourceChange';
import { RoutingAttributeExtractor } from './routingAttributes';

/** A bus that records each call and can refuse entries whose Detail mentions a marker. */
class RecordingBus implements BusPort {
  calls: PutEventsRequestEntry[][] = [];
  refuse = new Set<string>();
  private n = 0;
  async putEvents(entries: PutEventsRequestEntry[]): Promise<{ FailedEntryCount: number; Entries: PutEventsResultEntry[] }> {
    this.calls.push(entries);
    const Entries = entries.map((e): PutEventsResultEntry =>
      [...this.refuse].some((r) => e.Detail?.includes(r)) ? { ErrorCode: 'InternalFailure', ErrorMessage: 'no' } : { EventId: `ev-${++this.n}` },
    );
    return { FailedEntryCount: Entries.filter((e) => e.ErrorCode).length, Entries };
  }
}

const change = (id: string, versionId = '1'): ResourceChange => ({
  resourceType: 'MedicationRequest',
  id,
  versionId,
  interaction: 'update',
  origin: 'polling',
  dedupeKey: `S|MedicationRequest/${id}|${versionId}`,
});

let now = 1_000_000;
function setup() {
  const db = openDatabase(':memory:');
  const bus = new RecordingBus();
  const publisher = new ChangePublisher(db, bus, new RoutingAttributeExtractor({}), { now: () => now });
  return { db, bus, publisher };
}

describe('ChangePublisher', () => {
  it('dedupes within a call and across calls', async () => {
    const { bus, publisher } = setup();
    expect(await publisher.publish([change('a'), change('a'), change('b')], 'S')).toEqual({ published: 2, deduped: 1, eventIds: ['ev-1', 'ev-2'] });
    expect(await publisher.publish([change('a'), change('b', '2')], 'S')).toEqual({ published: 1, deduped: 1, eventIds: ['ev-3'] });
    expect(bus.calls.flat()).toHaveLength(3);
  });

  it('group-commits concurrent publishes in PutEvents batches of at most 10', async () => {
    const { bus, publisher } = setup();
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => publisher.publish([change(`m${i}`)], 'S')));
    expect(results.every((r) => r.published === 1)).toBe(true);
    expect(bus.calls.map((c) => c.length)).toEqual([10, 10, 5]);
  });

  it('publishes a concurrent duplicate once', async () => {
    const { bus, publisher } = setup();
    const results = await Promise.all([publisher.publish([change('d')], 'S'), publisher.publish([change('d')], 'S')]);
    expect(results.map((r) => r.published).sort()).toEqual([0, 1]);
    expect(bus.calls.flat()).toHaveLength(1);
  });

  it('fails with 503 when the bus refuses an entry, keeps the accepted ones, and publishes only the refused one on retry', async () => {
    const { bus, publisher } = setup();
    bus.refuse.add('MedicationRequest/y');
    const err = await publisher.publish([change('x'), change('y')], 'S').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).status).toBe(503);
    bus.refuse.clear();
    expect(await publisher.publish([change('x'), change('y')], 'S')).toMatchObject({ published: 1, deduped: 1 });
  });

  it('fails with 503 when the bus throws, recording nothing', async () => {
    const { db, publisher } = setup();
    const failing = new ChangePublisher(db, { putEvents: () => Promise.reject(new Error('down')) }, new RoutingAttributeExtractor({}), { now: () => now });
    await expect(failing.publish([change('z')], 'S')).rejects.toMatchObject({ status: 503 });
    expect(await publisher.publish([change('z')], 'S')).toMatchObject({ published: 1 });
  });

  it('purges keys older than the retention', async () => {
    const { publisher } = setup();
    await publisher.publish([change('old')], 'S');
    now += 10_000;
    await publisher.publish([change('new')], 'S');
    expect(publisher.purgeDedupeKeys(now - 5_000)).toBe(1);
    expect(await publisher.publish([change('old'), change('new')], 'S')).toMatchObject({ published: 1, deduped: 1 });
  });
});
