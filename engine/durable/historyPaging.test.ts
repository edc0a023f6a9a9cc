import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { Engine } from './engine';
import { CHUNK_EVENTS } from './historyChunk';
import { HISTORY_DATA_FIELDS } from './historyEvents';

/**
 * GetExecutionHistory of a long history does work in proportion to the page, not to the history:
 * a long step is stored as chunks of at most CHUNK_EVENTS events, a page reads only the chunks it
 * reaches (by index seeks), and builds only its own events. Checked by the shape of the work
 * (chunks decoded, query plans), not by timing.
 */
describe.each([
  ['on disk', true],
  ['in memory', false],
])('history paging (%s)', (_label, onDisk) => {
  let dir: string;
  let engine: Engine;
  let executionArn: string;
  let total: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-history-paging-'));
    engine = new Engine({ database: onDisk ? join(dir, 'clinflow.db') : ':memory:', clock: new SimulatedClock(Date.UTC(2030, 0, 1)), ids: sequentialIds() });
    const { stateMachineArn } = engine.createStateMachine({
      name: 'long',
      definition: JSON.stringify({
        StartAt: 'M',
        States: { M: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, ResultSelector: { n: 1 }, End: true } },
      }),
    });
    // One step: the whole Map runs in it (~4 events an item).
    ({ executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ items: Array.from({ length: 1500 }, (_, i) => ({ i })) }) }));
    await engine.runUntilIdle();
    total = (engine.getExecutionHistory({ executionArn, maxResults: 1, reverseOrder: true }).events[0]?.id as number) ?? 0;
  });

  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const all = (input: { reverseOrder?: boolean; includeExecutionData?: boolean }) => {
    const events: Record<string, unknown>[] = [];
    let nextToken: string | undefined;
    do {
      const page = engine.getExecutionHistory({ executionArn, maxResults: 1000, ...input, ...(nextToken ? { nextToken } : {}) });
      events.push(...page.events);
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };

  it('stores the long step as chunks of at most CHUNK_EVENTS events (on disk: rows of sfn_history)', () => {
    expect(total).toBeGreaterThan(4 * CHUNK_EVENTS);
    if (!onDisk) return;
    const rows = engine.db.prepare('SELECT first_id, last_id FROM sfn_history ORDER BY first_id').all() as { first_id: number; last_id: number }[];
    expect(rows.length).toBe(Math.ceil(total / CHUNK_EVENTS));
    for (const r of rows) expect(r.last_id - r.first_id + 1).toBeLessThanOrEqual(CHUNK_EVENTS);
  });

  it('pages forward and reversed over every event once, with and without data', () => {
    const forward = all({});
    expect(forward.map((e) => e.id)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(all({ reverseOrder: true })).toEqual([...forward].reverse());
    const stripped = forward.map((e) =>
      Object.fromEntries(Object.entries(e).map(([k, v]) => [k, k.endsWith('EventDetails') ? Object.fromEntries(Object.entries(v as object).filter(([f]) => !HISTORY_DATA_FIELDS.has(f))) : v])),
    );
    expect(all({ includeExecutionData: false })).toEqual(stripped);
    expect(forward.some((e) => JSON.stringify(e).includes('"input"'))).toBe(true);
  });

  it('decodes only the chunks a page reaches', () => {
    // Every journal read goes through the row-bound decoder (AAD), so that is the one counted.
    const decode = jest.spyOn(engine.store.codec, 'decodeBound');
    try {
      const cursor = Buffer.from(JSON.stringify({ c: 2 * CHUNK_EVENTS + 10 })).toString('base64url');
      const page = engine.getExecutionHistory({ executionArn, maxResults: 100, nextToken: cursor });
      expect(page.events.map((e) => e.id)).toEqual(Array.from({ length: 100 }, (_, i) => 2 * CHUNK_EVENTS + 11 + i));
      // The execution row's input is not decoded; one chunk holds the page.
      expect(decode).toHaveBeenCalledTimes(1);
      decode.mockClear();
      const back = engine.getExecutionHistory({ executionArn, maxResults: 1000, reverseOrder: true, nextToken: cursor });
      expect(back.events).toHaveLength(1000);
      expect(decode).toHaveBeenCalledTimes(2);
    } finally {
      decode.mockRestore();
    }
  });

  it('seeks the history rows by primary key in both directions (no scan of earlier chunks)', () => {
    const { forward, reverse } = engine.store.historyQueryPlans();
    for (const plan of [forward, reverse]) {
      expect(plan.join('\n')).not.toMatch(/\bSCAN\b/);
      expect(plan.join('\n')).toMatch(/SEARCH sfn_history USING (COVERING INDEX|PRIMARY KEY|INDEX) \S+ \(execution_id=\? AND first_id[<>]=?\?\)/);
    }
  });
});
