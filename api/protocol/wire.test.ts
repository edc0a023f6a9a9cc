import { toAwsJson, toAwsJsonParts } from './wire';

describe('toAwsJson', () => {
  it('writes every Date, at any depth, as epoch seconds with its milliseconds, and otherwise as JSON.stringify does', () => {
    const value = {
      startDate: new Date(Date.UTC(2026, 2, 9, 14, 0, 0, 123)),
      events: [{ id: 1, timestamp: new Date(1_700_000_000_001), details: { name: 'a', gone: undefined, nested: [new Date(0), null, undefined] } }],
      text: 'x',
      none: null,
      skipped: undefined,
    };
    expect(JSON.parse(toAwsJson(value))).toEqual({
      startDate: 1_773_064_800.123,
      events: [{ id: 1, timestamp: 1_700_000_000.001, details: { name: 'a', nested: [0, null, null] } }],
      text: 'x',
      none: null,
    });
    const noDates = { a: [1, 'two', { b: true }], c: { toJSON: () => 'custom' } };
    expect(toAwsJson(noDates)).toBe(JSON.stringify(noDates));
  });
});

describe('toAwsJson copy-on-write', () => {
  it('leaves the caller’s objects untouched and copies only what holds a Date', () => {
    const details = { name: 'P', input: '{"a":1}', nested: { deep: [1, { x: 'y' }] } };
    const event = { id: 1, timestamp: new Date(2_000), details };
    const page = { events: [event], nextToken: 't' };
    expect(JSON.parse(toAwsJson(page))).toEqual({ events: [{ id: 1, timestamp: 2, details }], nextToken: 't' });
    expect(event.timestamp).toEqual(new Date(2_000));
    expect(page.events[0]).toBe(event);
    const proto = JSON.parse('{"__proto__": {"when": 1}, "at": 0}') as Record<string, unknown>;
    proto.at = new Date(1_000);
    expect(JSON.parse(toAwsJson(proto))).toEqual(JSON.parse('{"__proto__": {"when": 1}, "at": 1}'));
  });
});

describe('toAwsJsonParts', () => {
  it('writes exactly the bytes of toAwsJson, for long arrays, odd members and non-ASCII text', () => {
    const events = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: i, timestamp: new Date(1_700_000_000_000 + i), details: i % 7 === 0 ? undefined : { input: `{"név":"Zoë ${i}","emoji":"🩺"}` } }));
    const holey = [1, , 3] as unknown[]; // eslint-disable-line no-sparse-arrays
    const values: unknown[] = [
      {},
      { events: [] },
      { events: events(100) },
      { events: events(101), nextToken: 'tok' },
      { nextToken: undefined, events: events(250), fn: () => 1, sym: Symbol('s'), after: [undefined, () => 1, new Date(0)] },
      { a: events(1000), b: events(300), 'k"ey\u2028': 'v' },
      { big: Array.from({ length: 250 }, (_, i) => (i % 3 === 0 ? undefined : i % 3 === 1 ? (): number => 1 : holey)) },
      { custom: { toJSON: () => 'x' } },
      { toJSON: () => ({ replaced: true }) },
      [1, 2, new Date(3_000)],
      'text',
      42,
      null,
    ];
    for (const v of values) expect(Buffer.concat(toAwsJsonParts(v)).toString('utf8')).toBe(toAwsJson(v));
  });
});
