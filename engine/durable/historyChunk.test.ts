import { seededRandom } from '../../core/clock/ids';
import { StateEnteredDetails, StateExitedDetails } from '../interpreter/historyDetails';
import { stateNameDictionary } from './stateNameDictionary';
import { createExecutionState, step } from '../interpreter';
import { CHUNK_EVENTS, ChunkBuilder, decodeHistoryChunk, encodeHistoryChunk, isHistoryChunk, type StoredEvent } from './historyChunk';
import { HISTORY_DATA_FIELDS } from './historyEvents';

const T0 = Date.UTC(2025, 2, 9, 6, 59, 59, 999);

function passChain(n: number, payload: string): StoredEvent[] {
  const events: StoredEvent[] = [{ id: 1, type: 'ExecutionStarted', timestamp: T0, details: { input: payload, roleArn: 'arn:aws:iam::1:role/r', stateMachineArn: 'arn:sm' } }];
  for (let i = 0; i < n; i++) {
    events.push({ id: events.length + 1, type: 'PassStateEntered', timestamp: T0, details: new StateEnteredDetails(`P${i}`, payload) });
    events.push({ id: events.length + 1, type: 'PassStateExited', timestamp: T0, details: new StateExitedDetails(`P${i}`, payload) });
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
    // Names are unique per state; everything else repeats and is stored once; an Exited event that
    // repeats its Entered event's values is one byte.
    expect(bytes.length).toBeLessThan(1000 * 4 + 6 * 1000);
    const plain = events.map((e) => ({ ...e, ...(e.details ? { details: { ...e.details } } : {}) }));
    expect(decodeHistoryChunk(encodeHistoryChunk(plain))).toEqual(events);
  });

  it('keeps every kind of detail value, id gaps, clock steps back and forth, and events without details', () => {
    const events: StoredEvent[] = [
      { id: 7, type: 'MapIterationStarted', timestamp: T0, details: { index: 0, name: 'M' } },
      {
        id: 8,
        type: 'TaskScheduled',
        timestamp: T0 + 1500,
        details: { resource: 'arn:aws:lambda:x', timeoutInSeconds: 2 ** 53 - 1, heartbeatInSeconds: -5, ratio: 0.25, negZero: -0, flag: true, none: null, obj: { a: [1, 'two', { three: 3 }] } },
      },
      { id: 12, type: 'MapStateFailed', timestamp: T0 + 1000 },
      { id: 13, type: 'MapStateFailed', timestamp: T0 + 1000, details: {} },
      { id: 14, type: 'ExecutionFailed', timestamp: 0, details: { error: 'States.Runtime', cause: 'bad \u{1F489} ünïcode "quoted" \\ back', skipped: undefined } },
      { id: 15, type: 'TaskStateEntered', timestamp: 0, details: { ['__proto__']: 'own key', name: 'T' } },
    ];
    Object.defineProperty(events[5]!.details, '__proto__', { value: 'own key', enumerable: true, writable: true, configurable: true });
    const decoded = decodeHistoryChunk(encodeHistoryChunk(events));
    expect(decoded).toHaveLength(events.length);
    expect(decoded[1]!.details).toEqual({
      resource: 'arn:aws:lambda:x',
      timeoutInSeconds: 2 ** 53 - 1,
      heartbeatInSeconds: -5,
      ratio: 0.25,
      negZero: 0,
      flag: true,
      none: null,
      obj: { a: [1, 'two', { three: 3 }] },
    });
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

  it('round-trips random event streams that exercise every position of the recent list, long strings and repeats', () => {
    const random = seededRandom(20261127);
    const long = (i: number): string => JSON.stringify({ resourceType: 'Observation', id: `obs-${i}`, note: 'x'.repeat(40) });
    const pool = ['A', 'B', 'C', 'D', 'E', 'F', long(1), long(2), long(3), '', 'ünï', '{"count":1}'];
    const pick = (): unknown => {
      const r = random();
      if (r < 0.8) return pool[Math.floor(random() * pool.length)];
      if (r < 0.85) return Math.floor(random() * 1e6) - 5e5;
      if (r < 0.9) return { nested: [random() < 0.5, null] };
      if (r < 0.95) return long(Math.floor(random() * 50));
      return `fresh-${Math.floor(random() * 1e9)}`;
    };
    const types = ['PassStateEntered', 'PassStateExited', 'TaskScheduled', 'MapIterationStarted'];
    const keySets = [['name', 'input'], ['name', 'output'], ['resource', 'region', 'parameters'], ['index', 'name'], []];
    for (let round = 0; round < 20; round++) {
      const events: StoredEvent[] = [];
      let id = 1 + Math.floor(random() * 5);
      let ts = T0;
      const n = 1 + Math.floor(random() * 300);
      for (let i = 0; i < n; i++) {
        const type = types[Math.floor(random() * types.length)]!;
        const keys = keySets[Math.floor(random() * keySets.length)]!;
        const ev: StoredEvent = { id, type, timestamp: ts };
        if (random() < 0.9) ev.details = Object.fromEntries(keys.map((k) => [k, pick()]));
        events.push(ev);
        id += random() < 0.9 ? 1 : 2 + Math.floor(random() * 3);
        ts += random() < 0.7 ? 0 : Math.floor(random() * 4000) - 1000;
      }
      expect(decodeHistoryChunk(encodeHistoryChunk(events))).toEqual(events);
    }
  });

  it('repeats values only when both the name and the value match the previous event', () => {
    const a = '{"a":1}';
    const b = '{"b":2}';
    const events: StoredEvent[] = [
      { id: 1, type: 'ChoiceStateEntered', timestamp: T0, details: new StateEnteredDetails('C', a) },
      { id: 2, type: 'ChoiceStateExited', timestamp: T0, details: new StateExitedDetails('C', a) },
      { id: 3, type: 'PassStateEntered', timestamp: T0, details: new StateEnteredDetails('C', a) },
      { id: 4, type: 'PassStateExited', timestamp: T0, details: new StateExitedDetails('C', b) },
      { id: 5, type: 'TaskStateEntered', timestamp: T0, details: new StateEnteredDetails('D', b) },
      { id: 6, type: 'TaskScheduled', timestamp: T0 + 5, details: { resource: 'arn:x', region: 'us-east-1' } },
      { id: 7, type: 'TaskStateExited', timestamp: T0 + 9, details: new StateExitedDetails('D', b) },
      { id: 8, type: 'WaitStateEntered', timestamp: T0 + 9, details: new StateEnteredDetails('W', b) },
      { id: 9, type: 'WaitStateExited', timestamp: T0 + 9, details: { name: 'W', output: b } },
      { id: 10, type: 'SucceedStateEntered', timestamp: T0 + 9, details: new StateEnteredDetails('S', b) },
      { id: 11, type: 'SucceedStateExited', timestamp: T0 + 9, details: new StateExitedDetails('S', b) },
    ];
    expect(decodeHistoryChunk(encodeHistoryChunk(events))).toEqual(events);
  });

  it("refers to state names through the revision's dictionary, and says so when the dictionary is missing", () => {
    const definition = {
      StartAt: 'P0',
      States: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`P${i}`, i === 999 ? { Type: 'Pass', End: true } : { Type: 'Pass', Next: `P${i + 1}` }])),
    };
    const dictionary = stateNameDictionary(definition);
    const events = passChain(1000, '{"hello":"world"}');
    events.push({ id: 2003, type: 'PassStateEntered', timestamp: T0, details: new StateEnteredDetails('not in the definition', '{}') });
    const withNames = encodeHistoryChunk(events, undefined, dictionary);
    const without = encodeHistoryChunk(events);
    expect(withNames.length).toBeLessThan(without.length - 3500);
    // States entered in definition order refer to their names in one byte each.
    expect(withNames.length).toBeLessThan(1000 * 4 + 400);
    expect(decodeHistoryChunk(withNames, dictionary.names)).toEqual(events);
    expect(() => decodeHistoryChunk(withNames)).toThrow(/revision dictionary is needed/);
    expect(() => decodeHistoryChunk(withNames, ['P0'])).toThrow(/does not have/);
  });

  it("as the interpreter's history sink, records exactly the events the interpreter would have returned", async () => {
    const definition = {
      StartAt: 'Init',
      States: {
        Init: { Type: 'Pass', Parameters: { count: 0, items: [1, 2, 3] }, Next: 'Loop' },
        Loop: { Type: 'Choice', Choices: [{ Variable: '$.count', NumericLessThan: 2, Next: 'Inc' }], Default: 'Fan' },
        Inc: { Type: 'Pass', Parameters: { 'count.$': 'States.MathAdd($.count, 1)', 'items.$': '$.items' }, Next: 'Loop' },
        Fan: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Each', States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } }, End: true } } },
            { StartAt: 'Same', States: { Same: { Type: 'Pass', End: true } } },
          ],
          Next: 'Wait0',
        },
        Wait0: { Type: 'Wait', Seconds: 0, Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    };
    const info = { executionArn: 'arn:e', executionName: 'e', stateMachineArn: 'arn:sm', stateMachineName: 'sm', roleArn: 'arn:r', startTime: new Date(T0).toISOString() };
    const env = { now: T0, newId: () => 'id', random: () => 0.5 };
    const plain = await step(definition, createExecutionState(info), { type: 'Start', input: { patient: 'Patient/example' } }, env);
    const dictionary = stateNameDictionary(definition);
    const sink = new ChunkBuilder(dictionary);
    const sunk = await step(definition, createExecutionState(info), { type: 'Start', input: { patient: 'Patient/example' } }, { ...env, historySink: sink });
    expect(sunk.history).toEqual([]);
    expect(plain.history.length).toBeGreaterThan(30);
    expect(sink.size).toBe(plain.history.length);
    expect(sink.firstId).toBe(1);
    expect(sink.lastId).toBe(plain.history.length);
    expect(decodeHistoryChunk(sink.finish(), dictionary.names)).toEqual(plain.history);
    expect(sunk.state.status).toBe('SUCCEEDED');
  });

  it('cuts a long step into chunks of at most CHUNK_EVENTS events, each decoding on its own', () => {
    const events = passChain(1500, JSON.stringify({ patient: 'Patient/example' })); // 3002 events
    const dictionary = stateNameDictionary({ StartAt: 'P0', States: Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`P${i}`, { Type: 'Pass', End: true }])) });
    const builder = new ChunkBuilder(dictionary);
    for (const ev of events) builder.event(ev.type, ev.timestamp, ev.id, ev.details);
    expect(builder.size).toBe(events.length);
    expect(builder.firstId).toBe(1);
    expect(builder.lastId).toBe(events.length);
    expect(() => builder.finish()).toThrow(/finishAll/);
    const chunks = builder.finishAll();
    expect(chunks.map((c) => [c.first, c.last])).toEqual([
      [1, CHUNK_EVENTS],
      [CHUNK_EVENTS + 1, 2 * CHUNK_EVENTS],
      [2 * CHUNK_EVENTS + 1, events.length],
    ]);
    expect(chunks.flatMap((c) => decodeHistoryChunk(c.bytes, dictionary.names))).toEqual(events);
  });

  it('builds only the selected events: an id range, the first or last few, and without the data fields', () => {
    const events = passChain(600, JSON.stringify({ patient: 'Patient/example', n: 1 }));
    events.push({ id: events.length + 1, type: 'TaskScheduled', timestamp: T0, details: { resource: 'arn:r', parameters: { big: [1, 2, 3] }, region: 'us-east-1' } });
    const bytes = encodeHistoryChunk(events);
    const all = decodeHistoryChunk(bytes);
    expect(decodeHistoryChunk(bytes, undefined, { from: 100, to: 400 })).toEqual(all.slice(99, 400));
    expect(decodeHistoryChunk(bytes, undefined, { from: 100, take: 7 })).toEqual(all.slice(99, 106));
    expect(decodeHistoryChunk(bytes, undefined, { to: 400, take: 7, fromEnd: true })).toEqual(all.slice(393, 400));
    expect(decodeHistoryChunk(bytes, undefined, { from: 5000 })).toEqual([]);
    // JSON-valued details (here `parameters`) are parsed only when asked for.
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const last = decodeHistoryChunk(bytes, undefined, { from: events.length, skipKeys: HISTORY_DATA_FIELDS });
      expect(last).toEqual([{ id: events.length, type: 'TaskScheduled', timestamp: T0, details: { resource: 'arn:r', region: 'us-east-1' } }]);
      expect(parse).not.toHaveBeenCalled();
      decodeHistoryChunk(bytes, undefined, { from: events.length });
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
    const noData = decodeHistoryChunk(bytes, undefined, { from: 2, take: 2, skipKeys: HISTORY_DATA_FIELDS });
    expect(noData.map((e) => e.details)).toEqual([{ name: 'P0' }, { name: 'P0' }]);
  });
});
