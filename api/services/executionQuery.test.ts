import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { Engine } from '../../engine/durable/engine';
import { ExecutionQuery } from './executionQuery';
import { journalIndexSchema } from '../../engine/durable/journalIndexes';

const WAIT = JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } });
const token = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * ListExecutions pages are keyset seeks into the journal_indexes indexes, whatever the filters and
 * the page's depth: checked on SQLite's query plans (no SCAN, no sort) and on the pages themselves.
 */
describe('ExecutionQuery', () => {
  const clock = new SimulatedClock(Date.UTC(2030, 0, 1));
  const engine = new Engine({ database: ':memory:', clock, ids: sequentialIds() });
  const { stateMachineArn } = engine.createStateMachine({ name: 'wait', definition: WAIT });
  engine.createStateMachine({ name: 'other', definition: WAIT });
  const query = new ExecutionQuery(engine);

  beforeAll(async () => {
    // 250 executions over 5 clock instants (many share a start time, as under a simulated clock or a burst).
    for (let i = 0; i < 250; i++) {
      if (i % 50 === 0) clock.advance(1000);
      await engine.startExecution({ stateMachineArn, name: `e${i}`, input: JSON.stringify({ detail: { reference: `MedicationRequest/m${i % 7}` } }) });
    }
    // Some ended and some redriven, written as the engine would leave them.
    engine.db.prepare("UPDATE sfn_executions SET status = 'FAILED', stop_ms = start_ms + 1 WHERE id % 3 = 0").run();
    engine.db.prepare('UPDATE sfn_executions SET redrive_count = 1, redrive_ms = start_ms + 2 WHERE id % 10 = 0').run();
  });

  afterAll(() => engine.close());

  const pages = (input: Record<string, unknown>, maxResults: number): string[] => {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = query.listExecutions({ stateMachineArn, maxResults, ...input, ...(nextToken ? { nextToken } : {}) });
      expect(out.executions.length).toBeLessThanOrEqual(maxResults);
      names.push(...out.executions.map((e) => e.name as string));
      nextToken = out.nextToken;
    } while (nextToken);
    return names;
  };

  const expected = (where: string): string[] =>
    (engine.db.prepare(`SELECT name FROM sfn_executions WHERE state_machine_id = 1 ${where} ORDER BY start_ms DESC, id DESC`).all() as { name: string }[]).map((r) => r.name);

  it('pages newest start first over every matching execution exactly once, across ties in start time', () => {
    expect(pages({}, 40)).toEqual(expected(''));
    expect(pages({}, 40)).toHaveLength(250);
    expect(pages({ statusFilter: 'FAILED' }, 7)).toEqual(expected("AND status = 'FAILED'"));
    expect(pages({ redriveFilter: 'REDRIVEN' }, 4)).toEqual(expected('AND redrive_count > 0'));
    expect(pages({ redriveFilter: 'NOT_REDRIVEN', statusFilter: 'RUNNING' }, 33)).toEqual(expected("AND redrive_count = 0 AND status = 'RUNNING'"));
    expect(pages({ statusFilter: 'FAILED', redriveFilter: 'REDRIVEN' }, 3)).toEqual(expected("AND redrive_count > 0 AND status = 'FAILED'"));
    const since = (Date.UTC(2030, 0, 1) + 3000) / 1000;
    expect(pages({ clinflowStartedAfter: since }, 30)).toEqual(expected(`AND start_ms >= ${since * 1000}`));
    expect(pages({ clinflowReference: 'MedicationRequest/m3' }, 9)).toEqual(expected('').filter((n) => Number(n.slice(1)) % 7 === 3));
  });

  it('plans every page as an index seek: no table scan, no sort', () => {
    const deep = token({ s: Date.UTC(2030, 0, 1) + 3000, c: 120 });
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'sfn_executions_by_start'],
      [{ nextToken: deep }, 'sfn_executions_by_start'],
      [{ statusFilter: 'FAILED', nextToken: deep }, 'sfn_executions_by_status_start'],
      [{ redriveFilter: 'REDRIVEN' }, 'sfn_executions_redriven'],
      [{ redriveFilter: 'REDRIVEN', statusFilter: 'RUNNING', nextToken: deep }, 'sfn_executions_redriven'],
      [{ redriveFilter: 'NOT_REDRIVEN', nextToken: deep }, 'sfn_executions_by_start'],
      [{ clinflowStartedAfter: Date.UTC(2030, 0, 1) / 1000 }, 'sfn_executions_by_start'],
    ];
    for (const [input, index] of cases) {
      const plan = query.explain({ stateMachineArn, ...input }).join('\n');
      expect({ input, plan }).toEqual({ input, plan: expect.stringContaining(`SEARCH e USING INDEX ${index} (state_machine_id=?`) });
      expect({ input, plan }).toEqual({ input, plan: expect.not.stringMatching(/\bSCAN\b|TEMP B-TREE/) });
    }
    // Across every state machine (the console, `executions list` without a workflow): the same seek, no prefix.
    for (const [input, index] of [
      [{}, 'sfn_executions_all_by_start'],
      [{ statusFilter: 'FAILED', nextToken: deep }, 'sfn_executions_all_by_status_start'],
    ] as const) {
      const plan = query.explain({ clinflowAllStateMachines: true, ...input }).join('\n');
      expect({ input, plan }).toEqual({ input, plan: expect.stringContaining(`USING INDEX ${index}`) });
      // With no filter at all the first page walks the index backwards until LIMIT (`SCAN … USING
      // INDEX`): that is the seek; what must never appear is a sort or a walk of the table itself.
      expect({ input, plan }).toEqual({ input, plan: expect.not.stringMatching(/TEMP B-TREE|\bSCAN e$|\bSCAN e\n/) });
    }
    // By reference: the reference's rows drive (a sort of those few), never a walk of the state machine's executions.
    const byRef = query.explain({ stateMachineArn, clinflowReference: 'MedicationRequest/m3', nextToken: deep });
    expect(byRef[0]).toMatch(/^SEARCH r USING PRIMARY KEY \(ref=\?\)/);
    expect(byRef.join('\n')).toMatch(/SEARCH e USING INTEGER PRIMARY KEY/);
    expect(byRef.join('\n')).not.toMatch(/\bSCAN\b/);
  });

  it('continues from an id-only token (the form before start-time keys) and refuses a bad one', () => {
    const all = expected('');
    const first = query.listExecutions({ stateMachineArn, maxResults: 10 });
    const lastId = engine.db.prepare('SELECT id FROM sfn_executions WHERE name = ?').pluck().get(first.executions[9]!.name) as number;
    const legacy = query.listExecutions({ stateMachineArn, maxResults: 10, nextToken: token({ c: lastId }) });
    expect(legacy.executions.map((e) => e.name)).toEqual(all.slice(10, 20));
    for (const bad of ['!!', token({ c: 'x' }), token({ c: 99_999 })]) expect(() => query.listExecutions({ stateMachineArn, nextToken: bad })).toThrow('Invalid pagination token');
  });
});

describe('journal_indexes migration', () => {
  it('adds the list indexes to a journal created before them, once, keeping its rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinflow-journal-indexes-'));
    try {
      const file = join(dir, 'clinflow.db');
      const first = new Engine({ database: file, clock: new SimulatedClock(Date.UTC(2030, 0, 1)), ids: sequentialIds() });
      const { stateMachineArn } = first.createStateMachine({ name: 'wait', definition: WAIT });
      await first.startExecution({ stateMachineArn, name: 'before' });
      await first.close();
      // Make it look like a journal written before the module existed.
      const raw = new Database(file);
      raw.exec("DROP INDEX sfn_executions_by_start; DROP INDEX sfn_executions_by_status_start; DROP INDEX sfn_executions_redriven; DELETE FROM schema_versions WHERE module = 'journal_indexes';");
      raw.close();
      const again = new Engine({ database: file, clock: new SimulatedClock(Date.UTC(2030, 0, 1)), ids: sequentialIds() });
      const indexes = (again.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sfn_executions' ORDER BY name").pluck().all() as string[]).filter((n) =>
        n.startsWith('sfn_executions_'),
      );
      expect(indexes).toEqual(
        expect.arrayContaining(['sfn_executions_by_start', 'sfn_executions_by_status_start', 'sfn_executions_redriven', 'sfn_executions_all_by_start', 'sfn_executions_all_by_status_start']),
      );
      expect(again.db.prepare("SELECT version FROM schema_versions WHERE module = 'journal_indexes'").pluck().get()).toBe(journalIndexSchema.length);
      expect(new ExecutionQuery(again).listExecutions({ stateMachineArn }).executions.map((e) => e.name)).toEqual(['before']);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
