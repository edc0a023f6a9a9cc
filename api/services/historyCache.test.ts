import { sequentialIds } from '../../engine/clock/ids';
import { SimulatedClock } from '../../engine/clock/simulatedClock';
import { Engine } from '../../engine/durable/engine';
import { HistoryCache } from './historyCache';

describe('HistoryCache pages a long history exactly as the engine does', () => {
  it('gives the same pages and tokens forward and reversed, with and without data', async () => {
    const engine = new Engine({ database: ':memory:', clock: new SimulatedClock(Date.UTC(2030, 0, 1)), ids: sequentialIds() });
    const { stateMachineArn } = engine.createStateMachine({
      name: 'big',
      definition: JSON.stringify({ StartAt: 'M', States: { M: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } } }),
    });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: JSON.stringify({ items: Array.from({ length: 400 }, (_, i) => i) }) });
    await engine.runUntilIdle();
    const row = engine.store.executionByName(engine.store.stateMachineByName('big')!.id, executionArn.split(':').pop()!)!;
    expect(row.next_event - 1).toBeGreaterThan(1000);
    const cache = new HistoryCache(engine);
    for (const reverseOrder of [false, true]) {
      for (const includeExecutionData of [true, false]) {
        let token: string | undefined;
        let pages = 0;
        do {
          const input = { executionArn, maxResults: 250, reverseOrder, includeExecutionData, ...(token ? { nextToken: token } : {}) };
          const mine = cache.page(row.id, row.next_event, row.revision_id, input);
          const theirs = engine.getExecutionHistory(input);
          expect(mine).toEqual(theirs);
          token = theirs.nextToken;
          pages += 1;
        } while (token);
        expect(pages).toBe(Math.ceil((row.next_event - 1) / 250));
      }
    }
    expect(() => cache.page(row.id, row.next_event, row.revision_id, { nextToken: 'bad' })).toThrow('Invalid pagination token');
  });
});
