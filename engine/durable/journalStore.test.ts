import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecutionState } from '../interpreter';
import type { HistoryEventDraft } from '../interpreter/contract';
import { JournalStore, metaOf } from './journalStore';
import { createPayloadCodec } from '../../core/db/payloadCodec';

const T0 = Date.UTC(2025, 0, 1);

function setup(file: string): { store: JournalStore; db: Database.Database; execId: number } {
  const db = new Database(file);
  const store = new JournalStore(db, createPayloadCodec());
  const sm = store.insertStateMachine({ name: 'sm', type: 'STANDARD', roleArn: 'arn:aws:iam::1:role/r', now: T0, definition: '{}', publish: false });
  const state = createExecutionState({ executionArn: 'arn:e', executionName: 'e', stateMachineArn: 'arn:sm', stateMachineName: 'sm', roleArn: 'arn:r', startTime: new Date(T0).toISOString() });
  const execId = store.insertExecution({ smId: sm.id, revisionId: sm.revisionId, name: 'e', inputText: '{}', inputDigest: 'd', startMs: T0, meta: metaOf(state) });
  return { store, db, execId };
}

const events = (first: number, label: string, n: number): HistoryEventDraft[] =>
  Array.from({ length: n }, (_, i) => ({ id: first + i, type: 'PassStateEntered', timestamp: T0, details: { name: `${label}${i}`, input: '{}' } }));

function write(store: JournalStore, execId: number, first: number, history: HistoryEventDraft[]): void {
  const state = createExecutionState({ executionArn: 'arn:e', executionName: 'e', stateMachineArn: 'arn:sm', stateMachineName: 'sm', roleArn: 'arn:r', startTime: new Date(T0).toISOString() });
  store.writeStep({ execId, firstEventId: first, history, state, changedFrames: [], removedFrames: [], commands: [], now: T0 });
}

describe.each([
  ['in memory (chunks outside SQLite)', ':memory:'],
  ['on disk (sfn_history)', 'file'],
])('JournalStore history %s', (_label, where) => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));
  const open = (): ReturnType<typeof setup> => {
    if (where === ':memory:') return setup(':memory:');
    dir = mkdtempSync(join(tmpdir(), 'clinflow-journal-'));
    return setup(join(dir, 'journal.db'));
  };

  it('pages forward and backward across steps', () => {
    const { store, db, execId } = open();
    write(store, execId, 1, events(1, 'a', 3));
    write(store, execId, 4, events(4, 'b', 2));
    const next = store.execution(execId)!.next_event;
    expect(next).toBe(6);
    expect(store.historyPage(execId, false, 0, 100, next).map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(store.historyPage(execId, false, 2, 2, next).map((e) => e.id)).toEqual([3, 4]);
    expect(store.historyPage(execId, true, Number.MAX_SAFE_INTEGER, 3, next).map((e) => e.id)).toEqual([5, 4, 3]);
    expect(store.historyPage(execId, true, 4, 100, next).map((e) => e.id)).toEqual([3, 2, 1]);
    db.close();
  });

  it('shows nothing of a step whose transaction rolled back, and lets the retried step take its place', () => {
    const { store, db, execId } = open();
    write(store, execId, 1, events(1, 'a', 2));
    expect(() =>
      db.transaction(() => {
        write(store, execId, 3, events(3, 'lost', 4));
        throw new Error('disk full');
      })(),
    ).toThrow('disk full');
    const row = store.execution(execId)!;
    expect(row.next_event).toBe(3);
    expect(store.historyPage(execId, false, 0, 100, row.next_event).map((e) => e.details?.name)).toEqual(['a0', 'a1']);
    expect(store.historyPage(execId, true, Number.MAX_SAFE_INTEGER, 100, row.next_event).map((e) => e.id)).toEqual([2, 1]);
    write(store, execId, 3, events(3, 'kept', 1));
    const next = store.execution(execId)!.next_event;
    expect(store.historyPage(execId, false, 0, 100, next).map((e) => e.details?.name)).toEqual(['a0', 'a1', 'kept0']);
    db.close();
  });
});
