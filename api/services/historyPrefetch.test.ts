import { EncodedJson, toAwsJsonParts } from '../protocol/wire';
import { HistoryPrefetch } from './historyPrefetch';

/** A history of `total` events, paged as the engine pages it (the token is the last id). */
function fakeHistory(total: number) {
  const calls: Record<string, unknown>[] = [];
  let deleted = false;
  const page = (input: Record<string, unknown>) => {
    calls.push(input);
    if (deleted) throw new Error('ExecutionDoesNotExist');
    const size = typeof input.maxResults === 'number' && input.maxResults > 0 ? input.maxResults : 100;
    const after = typeof input.nextToken === 'string' ? Number(input.nextToken) : 0;
    const ids = Array.from({ length: Math.max(0, Math.min(size, total - after)) }, (_, i) => after + i + 1);
    const events = ids.map((id) => ({ id, type: 'PassStateEntered', timestamp: new Date(Date.UTC(2030, 0, 1) + id), stateEnteredEventDetails: { name: 'P', input: `{"i":${id}}` } }));
    const last = ids[ids.length - 1];
    return last !== undefined && last < total ? { events, nextToken: String(last) } : { events };
  };
  return {
    calls,
    page,
    remove: () => {
      deleted = true;
    },
  };
}

function harness(total: number, options: { ttlMs?: number; maxPages?: number; maxBytes?: number; maxTotalBytes?: number } = {}) {
  const history = fakeHistory(total);
  const queue: (() => void)[] = [];
  let now = 0;
  const prefetch = new HistoryPrefetch({ page: history.page, exists: () => true, now: () => now, defer: (work) => queue.push(work), ...options });
  const drain = () => {
    while (queue.length) queue.shift()?.();
  };
  return { history, prefetch, drain, advance: (ms: number) => (now += ms) };
}

const bytes = (body: unknown): string => (body instanceof EncodedJson ? Buffer.concat(body.parts).toString('utf8') : Buffer.concat(toAwsJsonParts(body)).toString('utf8'));

describe('HistoryPrefetch: the next history page, prepared while the client reads this one', () => {
  it('serves each full page prepared, byte for byte what computing it gives, and computes the tail itself', () => {
    const { history, prefetch, drain } = harness(250);
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:m:e';
    const first = prefetch.read({ executionArn: arn, maxResults: 100 });
    expect(first).not.toBeInstanceOf(EncodedJson);
    drain();
    expect(prefetch.size).toBe(1);
    const second = prefetch.read({ executionArn: arn, maxResults: 100, nextToken: '100' });
    expect(second).toBeInstanceOf(EncodedJson);
    expect(bytes(second)).toBe(bytes(fakeHistory(250).page({ executionArn: arn, maxResults: 100, nextToken: '100' })));
    drain();
    // The tail (events 201-250, no nextToken) could still grow: it is not kept.
    expect(prefetch.size).toBe(0);
    const tail = prefetch.read({ executionArn: arn, maxResults: 100, nextToken: '200' });
    expect(tail).not.toBeInstanceOf(EncodedJson);
    expect((tail as { events: unknown[] }).events).toHaveLength(50);
    expect(history.calls.filter((c) => c.nextToken === '200')).toHaveLength(2);
  });

  it('serves a prepared page only to the same request, and only once', () => {
    const { prefetch, drain } = harness(1000);
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:m:e';
    prefetch.read({ executionArn: arn, maxResults: 100 });
    drain();
    for (const other of [
      { executionArn: `${arn}2`, maxResults: 100, nextToken: '100' },
      { executionArn: arn, maxResults: 50, nextToken: '100' },
      { executionArn: arn, maxResults: 100, nextToken: '100', reverseOrder: true },
      { executionArn: arn, maxResults: 100, nextToken: '100', includeExecutionData: false },
      { executionArn: arn, maxResults: 100, nextToken: '99' },
    ]) {
      expect(prefetch.read(other)).not.toBeInstanceOf(EncodedJson);
    }
    expect(prefetch.read({ executionArn: arn, maxResults: 100, nextToken: '100' })).toBeInstanceOf(EncodedJson);
    expect(prefetch.read({ executionArn: arn, maxResults: 100, nextToken: '100' })).not.toBeInstanceOf(EncodedJson);
  });

  it('drops a page older than its time limit, or of an execution that is gone', () => {
    const { history, prefetch, drain, advance } = harness(1000, { ttlMs: 5000 });
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:m:e';
    prefetch.read({ executionArn: arn });
    drain();
    advance(5001);
    expect(prefetch.read({ executionArn: arn, nextToken: '100' })).not.toBeInstanceOf(EncodedJson);
    drain();
    let exists = true;
    const gone = new HistoryPrefetch({ page: history.page, exists: () => exists, now: () => 0, defer: (work) => work() });
    gone.read({ executionArn: arn });
    expect(gone.size).toBe(1);
    exists = false;
    history.remove();
    expect(() => gone.read({ executionArn: arn, nextToken: '100' })).toThrow('ExecutionDoesNotExist');
  });

  it('keeps a bounded number of pages and no page over the byte limit; a failure while preparing is silent', () => {
    const { prefetch, drain } = harness(1000, { maxPages: 2 });
    for (const e of ['a', 'b', 'c']) prefetch.read({ executionArn: `arn:aws:states:us-east-1:000000000000:execution:m:${e}` });
    drain();
    expect(prefetch.size).toBe(2);
    const total = harness(1000, { maxTotalBytes: 30_000 });
    for (const e of ['a', 'b', 'c', 'd']) total.prefetch.read({ executionArn: `arn:aws:states:us-east-1:000000000000:execution:m:${e}` });
    total.drain();
    // A page of 100 events here is ~13 KB: two fit in 30 000 bytes, the oldest go first.
    expect(total.prefetch.size).toBe(2);
    expect(total.prefetch.bytes).toBeLessThanOrEqual(30_000);
    expect(total.prefetch.read({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:d', nextToken: '100' })).toBeInstanceOf(EncodedJson);
    expect(total.prefetch.read({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:a', nextToken: '100' })).not.toBeInstanceOf(EncodedJson);
    const small = harness(1000, { maxBytes: 100 });
    small.prefetch.read({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:e' });
    small.drain();
    expect(small.prefetch.size).toBe(0);
    const failing = harness(1000);
    failing.prefetch.read({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:e' });
    failing.history.remove();
    expect(() => failing.drain()).not.toThrow();
    expect(failing.prefetch.size).toBe(0);
  });
});
