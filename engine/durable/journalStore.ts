// Size: every SQL statement over the journal's tables (state machines, revisions, executions,
// history, tasks, timers) in one class, so the statements one step's transaction writes are read
// together.
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { ensureSchema, type Db } from '../../core/db/openDatabase';
import type { Command, ExecutionState, HistoryEventDraft } from '../interpreter/contract';
import { decodeHistoryChunk, encodeHistoryChunk, type ChunkBuilder, type StoredEvent } from './historyChunk';
import { HISTORY_DATA_FIELDS } from './historyEvents';
import { journalIndexSchema } from './journalIndexes';
import { journalSchema } from './journalSchema';
import { stateNameDictionary, type StateNameDictionary } from './stateNameDictionary';
import { type BindingReport, bindJournalRows, journalAad } from './journalBinding';
import type { PayloadCodec } from '../../core/db/payloadCodec';

export interface StateMachineRow {
  id: number;
  name: string;
  type: string;
  role_arn: string;
  created_ms: number;
  updated_ms: number;
  revision_id: number;
  description: string | null;
}

export interface RevisionRow {
  id: number;
  state_machine_id: number;
  definition: string;
  role_arn: string;
  created_ms: number;
  version: number | null;
  description: string | null;
}

export interface ExecutionRow {
  id: number;
  state_machine_id: number;
  revision_id: number;
  version: number | null;
  name: string;
  status: string;
  input: string | Buffer | null;
  input_digest: string;
  output: string | Buffer | null;
  error: string | null;
  cause: string | Buffer | null;
  start_ms: number;
  stop_ms: number | null;
  redrive_count: number;
  redrive_ms: number | null;
  /** JSON of the ExecutionState without its frames (info, status, seq, counters). */
  meta: string;
  next_event: number;
}

export interface HistoryRow {
  id: number;
  type: string;
  ts: number;
  details?: Record<string, unknown>;
}

export interface TaskRow {
  execution_id: number;
  task_id: string;
  resource: string;
  state_name: string;
  idempotency_key: string;
  payload: string | Buffer | null;
  parameters: string | Buffer | null;
  token: string | Buffer | null;
  delivered: number;
}

export interface TimerRow {
  execution_id: number;
  timer_id: string;
  fire_at: number;
}

/** Everything one interpreter step changes; written in one transaction (a savepoint in a batch). */
export interface StepWrite {
  execId: number;
  /** The execution's revision: its state names are the dictionary history chunks refer to. */
  revisionId?: number;
  /** Id the first history event gets; the row's next_event afterwards is firstEventId + history.length. */
  firstEventId: number;
  /** The step's events; drafts without an id get theirs assigned in place. */
  history: readonly HistoryEventDraft[];
  /** The step's events, already encoded as the interpreter emitted them (then `history` is empty). */
  chunk?: ChunkBuilder;
  state: ExecutionState;
  changedFrames: readonly string[];
  removedFrames: readonly string[];
  commands: readonly Command[];
  /** The timer or task row whose event this step consumed. */
  consumed?: { timerId?: string; taskId?: string };
  redrive?: { count: number; at: number };
  /** The clock reading of the step (stop date when the execution ends). */
  now: number;
  /** The execution's first step: no timer, task or token rows exist before it. */
  fresh?: boolean;
  /** Frame ids that have rows; updated by the write. Frames born and removed in one step never touch the table. */
  persisted?: Set<string>;
}

/** The state without its frames: what the execution row keeps. */
export function metaOf(state: ExecutionState): string {
  const { frames: _frames, ...meta } = state;
  return JSON.stringify(meta);
}

const SLAB = 1 << 20;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Prepared statements over the journal tables. No business rules: the Engine decides, this writes. */

export class JournalStore {
  private readonly s: Record<string, Statement>;
  private readonly revisions = new Map<number, RevisionRow>();
  private readonly machinesByName = new Map<string, StateMachineRow>();
  private readonly dictionaries = new Map<number, StateNameDictionary>();
  /** false once sfn_timers is known to be empty (only writeStep adds timer rows). */
  private timersMaybe = true;
  /** Reused output space for chunks SQLite copies (or the codec re-encodes). */
  private scratch: Buffer = Buffer.allocUnsafeSlow(64 * 1024);
  /** Space for chunks kept in memory as they are: 1 MiB slabs, so each step is not an ArrayBuffer of its own. */
  private slab: Buffer = Buffer.alloc(0);
  private slabUsed = 0;
  private readonly chunkSpace = (size: number): Buffer => {
    if (!this.memoryHistory || !this.codec.keepsBinary(size)) {
      if (size > this.scratch.length) this.scratch = Buffer.allocUnsafeSlow(Math.max(size, this.scratch.length * 2));
      return this.scratch.subarray(0, size);
    }
    if (size > SLAB / 4) return Buffer.allocUnsafe(size);
    if (this.slabUsed + size > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB);
      this.slabUsed = 0;
    }
    const view = this.slab.subarray(this.slabUsed, this.slabUsed + size);
    this.slabUsed += size;
    return view;
  };
  /**
   * `:memory:` databases keep history chunks here instead of in sfn_history: nothing is gained by
   * paging kilobyte blobs through SQLite when the database dies with the process, and inserting
   * them was a fifth of a Pass chain's run. Chunks are keyed by their first event id, like the table;
   * a step whose transaction rolled back leaves a chunk whose first id is the execution's next
   * event, which the next step on that execution replaces and which reads never reach (they stop
   * at the row's next_event).
   */
  private readonly memoryHistory: Map<number, Map<number, { last: number; events: Buffer }>> | undefined;
  /** What opening this journal re-bound (an encrypted journal from before row binding), if anything. */
  readonly binding: BindingReport | undefined;

  constructor(
    readonly db: Db,
    readonly codec: PayloadCodec,
  ) {
    ensureSchema(db, 'journal', journalSchema);
    ensureSchema(db, 'journal_indexes', journalIndexSchema);
    this.binding = bindJournalRows(db, codec);
    this.memoryHistory = db.memory ? new Map() : undefined;
    const p = (sql: string): Statement => db.prepare(sql);
    this.s = {
      smByName: p('SELECT * FROM sfn_state_machines WHERE name = ?'),
      smById: p('SELECT * FROM sfn_state_machines WHERE id = ?'),
      smList: p('SELECT * FROM sfn_state_machines WHERE id > ? ORDER BY id LIMIT ?'),
      smInsert: p('INSERT INTO sfn_state_machines (name, type, role_arn, created_ms, updated_ms, revision_id, description) VALUES (?, ?, ?, ?, ?, 0, ?)'),
      smSetRevision: p('UPDATE sfn_state_machines SET revision_id = ?, role_arn = ?, updated_ms = ?, description = ? WHERE id = ?'),
      revInsert: p('INSERT INTO sfn_revisions (state_machine_id, definition, role_arn, created_ms, version, description) VALUES (?, ?, ?, ?, ?, ?)'),
      revById: p('SELECT * FROM sfn_revisions WHERE id = ?'),
      revByVersion: p('SELECT * FROM sfn_revisions WHERE state_machine_id = ? AND version = ?'),
      revMaxVersion: p('SELECT max(version) AS v FROM sfn_revisions WHERE state_machine_id = ?'),
      exByName: p('SELECT * FROM sfn_executions WHERE state_machine_id = ? AND name = ?'),
      exById: p('SELECT * FROM sfn_executions WHERE id = ?'),
      // The id is chosen before the insert (as SQLite would: one past the largest) so the input's ciphertext can be bound to it.
      exNextId: p('SELECT coalesce(max(id), 0) + 1 FROM sfn_executions').pluck(),
      exInsert: p('INSERT INTO sfn_executions (id, state_machine_id, revision_id, version, name, status, input, input_digest, start_ms, meta, next_event) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)'),
      exProgress: p('UPDATE sfn_executions SET status = ?, meta = ?, next_event = ? WHERE id = ?'),
      exEnded: p('UPDATE sfn_executions SET status = ?, meta = ?, next_event = ?, output = ?, error = ?, cause = ?, stop_ms = ? WHERE id = ?'),
      exRedrive: p('UPDATE sfn_executions SET redrive_count = ?, redrive_ms = ?, output = NULL, error = NULL, cause = NULL, stop_ms = NULL WHERE id = ?'),
      exList: p('SELECT * FROM sfn_executions WHERE state_machine_id = ? AND id < ? ORDER BY id DESC LIMIT ?'),
      exListStatus: p('SELECT * FROM sfn_executions WHERE state_machine_id = ? AND status = ? AND id < ? ORDER BY id DESC LIMIT ?'),
      exCountStatus: p('SELECT count(*) AS n FROM sfn_executions WHERE status = ?'),
      frames: p('SELECT frame_id, data FROM sfn_frames WHERE execution_id = ?'),
      frameUpsert: p('INSERT OR REPLACE INTO sfn_frames (execution_id, frame_id, data) VALUES (?, ?, ?)'),
      frameDelete: p('DELETE FROM sfn_frames WHERE execution_id = ? AND frame_id = ?'),
      framesDeleteExec: p('DELETE FROM sfn_frames WHERE execution_id = ?'),
      histInsert: p('INSERT OR REPLACE INTO sfn_history (execution_id, first_id, last_id, events) VALUES (?, ?, ?, ?)'),
      // Both directions seek the primary key: forward from the chunk holding the event after the
      // cursor (a `last_id > ?` filter would read every earlier chunk of the execution), reversed
      // from the last chunk starting before it.
      histFwd: p(
        'SELECT first_id, events FROM sfn_history WHERE execution_id = ? AND first_id >= coalesce((SELECT max(first_id) FROM sfn_history WHERE execution_id = ? AND first_id <= ?), 0) ORDER BY first_id',
      ),
      histRev: p('SELECT first_id, events FROM sfn_history WHERE execution_id = ? AND first_id < ? ORDER BY first_id DESC'),
      timerUpsert: p('INSERT OR REPLACE INTO sfn_timers (execution_id, timer_id, fire_at, purpose) VALUES (?, ?, ?, ?)'),
      timerDelete: p('DELETE FROM sfn_timers WHERE execution_id = ? AND timer_id = ?'),
      timerExists: p('SELECT 1 FROM sfn_timers WHERE execution_id = ? AND timer_id = ?'),
      timerNext: p('SELECT min(fire_at) AS t FROM sfn_timers'),
      timerAny: p('SELECT 1 FROM sfn_timers LIMIT 1'),
      timersDue: p('SELECT execution_id, timer_id, fire_at FROM sfn_timers WHERE fire_at <= ? ORDER BY fire_at LIMIT ?'),
      timersDeleteExec: p('DELETE FROM sfn_timers WHERE execution_id = ?'),
      taskInsert: p('INSERT OR REPLACE INTO sfn_tasks (execution_id, task_id, resource, state_name, idempotency_key, payload, parameters, token, delivered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)'),
      taskDelete: p('DELETE FROM sfn_tasks WHERE execution_id = ? AND task_id = ?'),
      taskGet: p('SELECT * FROM sfn_tasks WHERE execution_id = ? AND task_id = ?'),
      taskDelivered: p('UPDATE sfn_tasks SET delivered = 1 WHERE execution_id = ? AND task_id = ?'),
      tasksUndelivered: p('SELECT * FROM sfn_tasks WHERE delivered = 0'),
      tasksDeleteExec: p('DELETE FROM sfn_tasks WHERE execution_id = ?'),
      tokenInsert: p("INSERT OR REPLACE INTO sfn_task_tokens (token_hash, execution_id, task_id, status) VALUES (?, ?, ?, 'open')"),
      tokenGet: p('SELECT * FROM sfn_task_tokens WHERE token_hash = ?'),
      tokenCloseTask: p("UPDATE sfn_task_tokens SET status = 'closed' WHERE execution_id = ? AND task_id = ? AND status = 'open'"),
      tokenCloseExec: p("UPDATE sfn_task_tokens SET status = 'closed' WHERE execution_id = ? AND status = 'open'"),
    };
  }

  // --- state machines -------------------------------------------------------------------------

  /** Cached: every start and describe looks its state machine up; only this store changes the rows. */
  stateMachineByName(name: string): StateMachineRow | undefined {
    return readThrough(this.machinesByName, name, 1024, () => this.s.smByName!.get(name) as StateMachineRow | undefined);
  }

  stateMachineById(id: number): StateMachineRow | undefined {
    return this.s.smById!.get(id) as StateMachineRow | undefined;
  }

  listStateMachines(afterId: number, limit: number): StateMachineRow[] {
    return this.s.smList!.all(afterId, limit) as StateMachineRow[];
  }

  insertStateMachine(m: { name: string; type: string; roleArn: string; now: number; definition: string; description?: string; publish: boolean }): {
    id: number;
    revisionId: number;
    version?: number;
  } {
    return this.db.transaction(() => {
      const id = Number(this.s.smInsert!.run(m.name, m.type, m.roleArn, m.now, m.now, m.description ?? null).lastInsertRowid);
      const version = m.publish ? 1 : undefined;
      const revisionId = Number(this.s.revInsert!.run(id, m.definition, m.roleArn, m.now, version ?? null, m.description ?? null).lastInsertRowid);
      this.s.smSetRevision!.run(revisionId, m.roleArn, m.now, m.description ?? null, id);
      this.machinesByName.delete(m.name);
      return version === undefined ? { id, revisionId } : { id, revisionId, version };
    })();
  }

  addRevision(smId: number, m: { definition: string; roleArn: string; now: number; description?: string; publish: boolean }): { revisionId: number; version?: number } {
    return this.db.transaction(() => {
      const max = (this.s.revMaxVersion!.get(smId) as { v: number | null }).v ?? 0;
      const version = m.publish ? max + 1 : undefined;
      const revisionId = Number(this.s.revInsert!.run(smId, m.definition, m.roleArn, m.now, version ?? null, m.description ?? null).lastInsertRowid);
      this.s.smSetRevision!.run(revisionId, m.roleArn, m.now, m.description ?? null, smId);
      this.machinesByName.clear();
      return version === undefined ? { revisionId } : { revisionId, version };
    })();
  }

  /** The state names of a revision, numbered (cached: revisions never change). */
  stateNames(revisionId: number): StateNameDictionary | undefined {
    return readThrough(this.dictionaries, revisionId, 256, () => {
      const rev = this.revision(revisionId);
      return rev && stateNameDictionary(JSON.parse(rev.definition));
    });
  }

  /** Revisions never change once written, so rows are cached (a definition can be large). */
  revision(id: number): RevisionRow | undefined {
    return readThrough(this.revisions, id, 256, () => this.s.revById!.get(id) as RevisionRow | undefined);
  }

  revisionByVersion(smId: number, version: number): RevisionRow | undefined {
    return this.s.revByVersion!.get(smId, version) as RevisionRow | undefined;
  }

  // --- executions -----------------------------------------------------------------------------

  executionByName(smId: number, name: string): ExecutionRow | undefined {
    return this.s.exByName!.get(smId, name) as ExecutionRow | undefined;
  }

  execution(id: number): ExecutionRow | undefined {
    return this.s.exById!.get(id) as ExecutionRow | undefined;
  }

  listExecutions(smId: number, status: string | undefined, beforeId: number, limit: number): ExecutionRow[] {
    return (status === undefined ? this.s.exList!.all(smId, beforeId, limit) : this.s.exListStatus!.all(smId, status, beforeId, limit)) as ExecutionRow[];
  }

  countExecutions(status: string): number {
    return (this.s.exCountStatus!.get(status) as { n: number }).n;
  }

  /** Inserts a new execution row; the caller writes its first step in the same transaction. */
  insertExecution(e: { smId: number; revisionId: number; version?: number; name: string; inputText: string; inputDigest: string; startMs: number; meta: string }): number {
    const id = this.s.exNextId!.get() as number;
    this.s.exInsert!.run(id, e.smId, e.revisionId, e.version ?? null, e.name, 'RUNNING', this.codec.encode(e.inputText, this.aad(journalAad.execution, id, 'input')), e.inputDigest, e.startMs, e.meta);
    return id;
  }

  /** An execution's input, output or cause, decrypted where its row binds it. */
  executionValue(row: Pick<ExecutionRow, 'id'> & Partial<Pick<ExecutionRow, 'input' | 'output' | 'cause'>>, column: 'input' | 'output' | 'cause'): unknown {
    return this.codec.decodeBound(row[column], journalAad.execution(row.id, column));
  }

  /** A task row's payload, parameters or token, decrypted where its row binds it. */
  taskValue(row: TaskRow, column: 'payload' | 'parameters' | 'token'): unknown {
    return this.codec.decodeBound(row[column], journalAad.task(row.execution_id, row.task_id, column));
  }

  /** The associated data for a value about to be encoded; none (and no string built) without a key. */
  private aad<A extends unknown[]>(of: (...a: A) => string, ...args: A): string | undefined {
    return this.codec.encrypted ? of(...args) : undefined;
  }

  loadFrames(execId: number): Record<string, unknown> {
    const frames: Record<string, unknown> = {};
    for (const row of this.s.frames!.iterate(execId) as Iterable<{ frame_id: string; data: string | Buffer }>)
      frames[row.frame_id] = this.codec.decodeBound(row.data, journalAad.frame(execId, row.frame_id));
    return frames;
  }

  /**
   * Up to `limit` events after (or, reversed, before) event id `cursor`, of the events before
   * `nextEvent`; `revisionId` (the execution's) resolves state names. Only the chunks the page
   * reaches are read, and of those only the page's events are built; `data: false` leaves the
   * payload fields (`HISTORY_DATA_FIELDS`) out without decoding them.
   */
  historyPage(execId: number, reverse: boolean, cursor: number, limit: number, nextEvent = Number.MAX_SAFE_INTEGER, revisionId?: number, options: { data?: boolean } = {}): HistoryRow[] {
    const out: HistoryRow[] = [];
    const names = revisionId === undefined ? undefined : this.stateNames(revisionId)?.names;
    const skipKeys = options.data === false ? HISTORY_DATA_FIELDS : undefined;
    // Forward, the cursor is the last event seen: the chunk holding cursor + 1 comes first.
    const seek = reverse ? cursor : cursor + 1;
    for (const row of this.chunkRows(execId, reverse, seek, nextEvent)) {
      const stored = this.codec.decodeBound(row.events, journalAad.history(execId, row.first_id));
      const select = reverse ? { to: Math.min(cursor, nextEvent) - 1, take: limit - out.length, fromEnd: true } : { from: cursor + 1, to: nextEvent - 1, take: limit - out.length };
      // Journals written before the binary chunk format hold a JSON array per step.
      const chunk = Buffer.isBuffer(stored) ? decodeHistoryChunk(stored, names, skipKeys ? { ...select, skipKeys } : select) : (stored as StoredEvent[]);
      const events = reverse ? chunk.reverse() : chunk;
      for (const { id, type, timestamp: ts, details } of events) {
        if (id >= nextEvent || (reverse ? id >= cursor : id <= cursor)) continue;
        out.push(details === undefined ? { id, type, ts } : { id, type, ts, details });
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** SQLite's plans for the history page reads (for the tests that keep them index seeks). */
  historyQueryPlans(): { forward: string[]; reverse: string[] } {
    const plan = (st: Statement, params: number[]): string[] => (this.db.prepare(`EXPLAIN QUERY PLAN ${st.source}`).all(...params) as { detail: string }[]).map((r) => r.detail);
    return { forward: plan(this.s.histFwd!, [1, 1, 1]), reverse: plan(this.s.histRev!, [1, 1]) };
  }

  private chunkRows(execId: number, reverse: boolean, seek: number, nextEvent: number): Iterable<{ first_id: number; events: string | Buffer }> {
    if (!this.memoryHistory) return (reverse ? this.s.histRev!.iterate(execId, seek) : this.s.histFwd!.iterate(execId, execId, seek)) as Iterable<{ first_id: number; events: string | Buffer }>;
    const chunks = [...(this.memoryHistory.get(execId) ?? new Map<number, { last: number; events: Buffer }>()).entries()]
      .filter(([first, c]) => first < nextEvent && (reverse ? first < seek : c.last >= seek))
      .sort((a, b) => (reverse ? b[0] - a[0] : a[0] - b[0]));
    return chunks.map(([first_id, c]) => ({ first_id, events: c.events }));
  }

  // --- timers and tasks -----------------------------------------------------------------------

  nextTimerAt(): number | undefined {
    return (this.s.timerNext!.get() as { t: number | null }).t ?? undefined;
  }

  /**
   * Timer rows due at `now`. A simulated-clock driver asks after every step; once the table is
   * known to be empty no query is made until a step starts a timer.
   */
  dueTimers(now: number, limit: number): TimerRow[] {
    if (!this.timersMaybe) return [];
    const rows = this.s.timersDue!.all(now, limit) as TimerRow[];
    if (rows.length === 0 && this.s.timerAny!.get() === undefined) this.timersMaybe = false;
    return rows;
  }

  timerExists(execId: number, timerId: string): boolean {
    return this.s.timerExists!.get(execId, timerId) !== undefined;
  }

  task(execId: number, taskId: string): TaskRow | undefined {
    return this.s.taskGet!.get(execId, taskId) as TaskRow | undefined;
  }

  undeliveredTasks(): TaskRow[] {
    return this.s.tasksUndelivered!.all() as TaskRow[];
  }

  markDelivered(execId: number, taskId: string): void {
    this.s.taskDelivered!.run(execId, taskId);
  }

  token(token: string): { execution_id: number; task_id: string; status: string } | undefined {
    return this.s.tokenGet!.get(hashToken(token)) as { execution_id: number; task_id: string; status: string } | undefined;
  }

  // --- the step write -------------------------------------------------------------------------

  /** Writes one step's history, frame delta, command rows and execution row. Call inside a transaction. */
  writeStep(w: StepWrite): void {
    const { execId, state } = w;
    const codec = this.codec;
    const s = this.s;
    // The interpreter numbers events (causes cite them); the counter covers drafts without an id.
    let id = w.firstEventId;
    if (w.chunk?.size) {
      id = w.chunk.lastId + 1;
      for (const c of w.chunk.finishAll(this.chunkSpace)) this.putChunk(execId, c.first, c.last, c.bytes);
    } else if (w.history.length) {
      const events = w.history as StoredEvent[];
      const first = events[0]?.id ?? id;
      for (const ev of events) {
        if (ev.id === undefined) ev.id = id;
        id = ev.id + 1;
      }
      this.putChunk(execId, first, id - 1, encodeHistoryChunk(events, this.chunkSpace, w.revisionId === undefined ? undefined : this.stateNames(w.revisionId)));
    }
    const ended = endOf(w.commands);
    // A succeeded execution cannot be redriven: its frames are dead weight.
    if (ended?.status === 'SUCCEEDED') {
      if (w.persisted === undefined || w.persisted.size > 0) s.framesDeleteExec!.run(execId);
      w.persisted?.clear();
    } else this.writeFrames(w);
    if (w.consumed?.timerId !== undefined) s.timerDelete!.run(execId, w.consumed.timerId);
    if (w.consumed?.taskId !== undefined) {
      s.taskDelete!.run(execId, w.consumed.taskId);
      s.tokenCloseTask!.run(execId, w.consumed.taskId);
    }
    if (w.redrive) s.exRedrive!.run(w.redrive.count, w.redrive.at, execId);
    for (const c of w.commands) {
      switch (c.type) {
        case 'InvokeTask':
          s.taskInsert!.run(
            execId,
            c.taskId,
            c.resource,
            c.stateName,
            c.idempotencyKey,
            codec.encode(c.payload, this.aad(journalAad.task, execId, c.taskId, 'payload')),
            c.parameters === undefined ? null : codec.encode(c.parameters, this.aad(journalAad.task, execId, c.taskId, 'parameters')),
            c.taskToken === undefined ? null : codec.encode(c.taskToken, this.aad(journalAad.task, execId, c.taskId, 'token')),
          );
          if (c.taskToken !== undefined) s.tokenInsert!.run(hashToken(c.taskToken), execId, c.taskId);
          break;
        case 'CancelTask':
          s.taskDelete!.run(execId, c.taskId);
          s.tokenCloseTask!.run(execId, c.taskId);
          break;
        case 'StartTimer':
          this.timersMaybe = true;
          s.timerUpsert!.run(execId, c.timerId, c.fireAt, c.purpose);
          break;
        case 'CancelTimer':
          s.timerDelete!.run(execId, c.timerId);
          break;
      }
    }
    if (ended) {
      // An execution that ends in its first step without a timer or a task has no such rows.
      if (!w.fresh || w.commands.some((c) => c.type === 'StartTimer' || c.type === 'InvokeTask')) {
        s.timersDeleteExec!.run(execId);
        s.tasksDeleteExec!.run(execId);
        s.tokenCloseExec!.run(execId);
      }
      s.exEnded!.run(
        ended.status,
        metaOf(state),
        id,
        ended.output === undefined ? null : codec.encode(ended.output, this.aad(journalAad.execution, execId, 'output')),
        ended.error ?? null,
        ended.cause === undefined ? null : codec.encode(ended.cause, this.aad(journalAad.execution, execId, 'cause')),
        w.now,
        execId,
      );
    } else {
      s.exProgress!.run(state.status, metaOf(state), id, execId);
    }
  }

  /** Stores one step's encoded events (events `first`..`last`). */
  private putChunk(execId: number, first: number, last: number, chunk: Buffer): void {
    const blob = this.codec.encodeBinary(chunk, this.aad(journalAad.history, execId, first));
    if (!this.memoryHistory) {
      this.s.histInsert!.run(execId, first, last, blob);
      return;
    }
    let chunks = this.memoryHistory.get(execId);
    if (!chunks) this.memoryHistory.set(execId, (chunks = new Map()));
    // Replacing a rolled-back step's chunk: the later chunks that step was cut into are stale too.
    if (chunks.has(first)) for (const k of chunks.keys()) if (k > first) chunks.delete(k);
    chunks.set(first, { last, events: blob });
  }

  private writeFrames(w: StepWrite): void {
    const { execId, state } = w;
    const s = this.s;
    const codec = this.codec;
    const removed = w.removedFrames.length ? new Set(w.removedFrames) : undefined;
    const written = new Set<string>();
    for (const f of w.changedFrames) {
      if (removed?.has(f) || written.has(f)) continue;
      const frame = state.frames[f];
      if (frame === undefined) continue;
      written.add(f);
      s.frameUpsert!.run(execId, f, codec.encode(frame, journalAad.frame(execId, f)));
      w.persisted?.add(f);
    }
    if (removed)
      for (const f of removed) {
        if (w.persisted && !w.persisted.delete(f)) continue;
        s.frameDelete!.run(execId, f);
      }
  }
}

/** A bounded read-through cache: `load` on a miss, everything dropped when `limit` is reached. */
function readThrough<K, V>(cache: Map<K, V>, key: K, limit: number, load: () => V | undefined): V | undefined {
  let value = cache.get(key);
  if (value === undefined) {
    value = load();
    if (value === undefined) return undefined;
    if (cache.size >= limit) cache.clear();
    cache.set(key, value);
  }
  return value;
}

function endOf(commands: readonly Command[]): Extract<Command, { type: 'ExecutionEnded' }> | undefined {
  for (const c of commands) if (c.type === 'ExecutionEnded') return c;
  return undefined;
}
