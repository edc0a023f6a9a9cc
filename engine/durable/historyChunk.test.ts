import { decodeHistoryChunk, encodeHistoryChunk, isHistoryChunk, type StoredEvent } from './historyChunk';

const T0 = Date.UTC(2025, 2, 9, 6, 59, 59, 999);

function passChain(n: number, payload: string): StoredEvent[] {
  const events: StoredEvent[] = [{ id: 1, type: 'ExecutionStarted', timestamp: T0, details: { input: payload, roleArn: 'arn:aws:iam::1:role/r', stateMachineArn: 'arn:sm' } }];
  for (let i = 0; i < n; i++) {
    events.push({ id: events.length + 1, type: 'PassStateEntered', timestamp: T0, details: { name: `P${i}`, input: payload } });
    events.push({ id: events.length + 1, type: 'PassStateExited', timestamp: T0, details: { name: `P${i}`, output: payload } });
  }
  events.push({ id: events.length + 1, type: 'ExecutionSucceeded', timestamp: T0, details: { output: payload } });
  return events;
}

describe('history chunk encoding', () => {
  it('round-trips a long Pass chain in a few bytes per event', () => {
    const events = passChain(1000, JSON.stringify({ patient: 'Patient/example', dose: 2 }));
    const bytes = encodeHistoryChunk(events);
    expect(isHistoryChunk(bytes)).toBe(true);
    expect(decodeHistoryChunk(bytes)).toEqual(events);
    // Names are unique per state; everything else repeats and is stored once.
    expect(bytes.length).toBeLessThan(2002 * 4 + 6 * 1000);
  });

  it('keeps every kind of detail value, id gaps, clock steps back and forth, and events without details', () => {
    const events: StoredEvent[] = [
      { id: 7, type: 'MapIterationStarted', timestamp: T0, details: { index: 0, name: 'M' } },
      { id: 8, type: 'TaskScheduled', timestamp: T0 + 1500, details: { resource: 'arn:aws:lambda:x', timeoutInSeconds: 2 ** 53 - 1, heartbeatInSeconds: -5, ratio: 0.25, negZero: -0, flag: true, none: null, obj: { a: [1, 'two', { three: 3 }] } } },
      { id: 12, type: 'MapStateFailed', timestamp: T0 + 1000 },
      { id: 13, type: 'MapStateFailed', timestamp: T0 + 1000, details: {} },
      { id: 14, type: 'ExecutionFailed', timestamp: 0, details: { error: 'States.Runtime', cause: 'bad \u{1F489} ünïcode "quoted" \\ back', skipped: undefined } },
      { id: 15, type: 'TaskStateEntered', timestamp: 0, details: { ['__proto__']: 'own key', name: 'T' } },
    ];
    Object.defineProperty(events[5]!.details, '__proto__', { value: 'own key', enumerable: true, writable: true, configurable: true });
    const decoded = decodeHistoryChunk(encodeHistoryChunk(events));
    expect(decoded).toHaveLength(events.length);
    expect(decoded[1]!.details).toEqual({ resource: 'arn:aws:lambda:x', timeoutInSeconds: 2 ** 53 - 1, heartbeatInSeconds: -5, ratio: 0.25, negZero: 0, flag: true, none: null, obj: { a: [1, 'two', { three: 3 }] } });
    expect(Object.is(decoded[1]!.details!.negZero, -0)).toBe(false); // JSON has no -0, like the journal before
    expect(decoded[2]).toEqual({ id: 12, type: 'MapStateFailed', timestamp: T0 + 1000 });
    expect(decoded[2]!).not.toHaveProperty('details');
    expect(decoded[3]).toEqual({ id: 13, type: 'MapStateFailed', timestamp: T0 + 1000, details: {} });
    expect(decoded[4]!.details).toEqual({ error: 'States.Runtime', cause: 'bad \u{1F489} ünïcode "quoted" \\ back' });
    expect(decoded[4]!.timestamp).toBe(0);
    expect(Object.getOwnPropertyDescriptor(decoded[5]!.details, '__proto__')?.value).toBe('own key');
    expect(Object.getPrototypeOf(decoded[5]!.details)).toBe(Object.prototype);
    expect(decoded.map((e) => e.id)).toEqual([7, 8, 12, 13, 14, 15]);
  });

  it('survives strings that are not well-formed UTF-16 (a lone surrogate)', () => {
    const events: StoredEvent[] = [{ id: 1, type: 'FailStateEntered', timestamp: T0, details: { name: 'lone \uD800 surrogate', input: '{}' } }];
    expect(decodeHistoryChunk(encodeHistoryChunk(events))).toEqual(events);
  });

  it('round-trips an empty step and refuses bytes that are not a chunk or are cut short', () => {
    expect(decodeHistoryChunk(encodeHistoryChunk([]))).toEqual([]);
    expect(() => decodeHistoryChunk(Buffer.from('[{"id":1}]'))).toThrow(/not a history chunk/);
    const bytes = encodeHistoryChunk(passChain(3, '{}'));
    expect(() => decodeHistoryChunk(bytes.subarray(0, 12))).toThrow(/truncated|corrupt/);
  });
});
