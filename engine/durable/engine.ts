import type { SendTaskFailureCommandInput, SendTaskHeartbeatCommandInput, SendTaskSuccessCommandInput, StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import type { Clock, IdGenerator } from '../../schemas/clock';
import { WorkflowError } from '../../schemas/errors';
import type { ExecutionPort, Logger } from '../../schemas/ports';
import { uuidIds } from '../../core/clock/ids';
import { deferToNextTurn, monotonicMs, systemRandom, yieldToEventLoop, type Wakeup } from '../../core/clock/systemClock';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import type { Command, ExecutionInfo, ExecutionState, InterpreterEvent, StepEnvironment, StepResult } from '../interpreter/contract';
import { MAX_HISTORY_EVENTS } from '../interpreter/budgets';
import { StepAbort } from '../interpreter/failures';
import { createExecutionState, step } from '../interpreter/index';
import type { TaskPort } from '../../schemas/taskPort';
import { StepFunctionsError, validationError } from './apiErrors';
import { decodeToken, encodeToken, optionalString, pageSize, parseJsonText, requireObject, requireString } from './apiInput';
import { StateMachines } from './stateMachines';
import { GroupCommit } from './groupCommit';
import { ChunkBuilder } from './historyChunk';
import { toHistoryEvent, type HistoryEvent } from './historyEvents';
import { JournalStore, metaOf, type ExecutionRow, type StepWrite } from './journalStore';
import { assertValidName, executionArn as makeExecutionArn, parseExecutionArn, parseStateMachineArn, stateMachineArn as makeStateMachineArn } from './names';
import { createPayloadCodec, type EncryptionKeys } from '../../core/db/payloadCodec';

export interface EngineOptions {
  /** A file path, `:memory:` (the in-memory mode) or an open database. */
  database: string | Db;
  clock: Clock;
  /** Real-clock wake-ups (core/clock/systemClock). Omit with a simulated clock: tests call advanceTo/runUntilIdle. */
  wakeup?: Wakeup;
  ids?: IdGenerator;
  random?: () => number;
  tasks?: TaskPort;
  /** 32-byte AES-256-GCM key (Buffer, hex or base64), or the key and old keys: payloads are encrypted at rest when set. */
  encryptionKey?: Buffer | string | EncryptionKeys;
  /** FULL (default) survives power loss; NORMAL survives process crashes only (benchmarks). */
  synchronous?: 'FULL' | 'NORMAL';
  /** Executions whose state stays in memory between steps (LRU). */
  cacheSize?: number;
  log?: Logger;
  /** Due timers handed to executions per wake-up. */
  timerBatch?: number;
  /** Real time one step may hold the event loop before it gives others a turn (default 10 ms). */
  sliceMs?: number;
  /** Real time one step may run, turns included, before its execution fails (default 30 s). */
  stepBudgetMs?: number;
  /** History events per execution: AWS's hard quota (25 000) unless a benchmark lifts it. */
  maxHistoryEvents?: number;
}

/** Defaults of EngineOptions.sliceMs / stepBudgetMs. */
export const STEP_SLICE_MS = 10;
export const STEP_BUDGET_MS = 30_000;

interface Live {
  execId: number;
  arn: string;
  revisionId: number;
  state: ExecutionState;
  nextEvent: number;
  /** Frame ids that have rows in the journal. */
  persisted: Set<string>;
}

/** An execution started or ended: what lifecycle logs and metrics need, never its input or output. */
export type LifecycleEvent =
  | { type: 'started'; executionArn: string; stateMachineName: string; executionName: string; version?: number; at: number }
  | { type: 'ended'; executionArn: string; stateMachineName: string; executionName: string; version?: number; status: string; error?: string; startedAt: number; at: number }
  /** A task invocation answered (callback tasks: when handed over); durations on the engine's clock. */
  | { type: 'task'; executionArn: string; stateMachineName: string; resource: string; ok: boolean; error?: string; startedAt: number; at: number };

type Guard = { timerId?: string; taskId?: string; consume?: boolean };
/** A step's result; `chunk` holds its history when the interpreter wrote it to the journal's encoder. */
type JournaledStep = StepResult & { chunk?: ChunkBuilder };
type DeliverResult = 'applied' | 'stale' | 'not-running';
type InvokeTask = Extract<Command, { type: 'InvokeTask' }>;

const REDRIVABLE = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);
const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);
const noLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The durable local Step Functions: the thin shell around the pure interpreter. Each step's
 * history, frame delta, timers and task rows are written in one transaction (group-committed with
 * concurrent steps); tasks are dispatched and timers armed only after that commit, so a crash at
 * any point either replays the event (its timer/task row is still there) or sees its effects.
 */
/** What StartExecution resolved and checked, for the executor to run: one object, not eleven arguments. */
interface NewExecution {
  smId: number;
  smName: string;
  smArn: string;
  revisionId: number;
  /** The published version the ARN named, if any. */
  version: number | undefined;
  roleArn: string;
  name: string;
  arn: string;
  inputText: string;
  /** `inputText`, parsed. */
  input: unknown;
  digest: string;
}

export class Engine implements ExecutionPort {
  readonly db: Db;
  readonly store: JournalStore;
  private readonly clock: Clock;
  private readonly wakeup: Wakeup | undefined;
  private readonly ids: IdGenerator;
  private readonly random: () => number;
  private readonly tasks: TaskPort | undefined;
  private readonly log: Logger;
  private readonly ownsDb: boolean;
  private readonly committer: GroupCommit;
  private readonly cacheSize: number;
  private readonly timerBatch: number;
  private readonly cache = new Map<number, Live>();
  private readonly machines: StateMachines;
  private readonly chains = new Map<number, Promise<unknown>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly inflightTimers = new Set<string>();
  private readonly inflightTasks = new Set<string>();
  private readonly starting = new Map<string, { digest: string; done: Promise<{ executionArn: string; startDate: Date }> }>();
  private readonly handlerRuns = new Set<Promise<unknown>>();
  private readonly lifecycle = new Set<(e: LifecycleEvent) => void>();
  private armedAt: number | undefined;
  private readonly sliceMs: number;
  private readonly stepBudgetMs: number;
  private readonly maxHistoryEvents: number;
  private closed = false;
  private closing = false;

  constructor(options: EngineOptions) {
    this.ownsDb = typeof options.database === 'string';
    this.db = typeof options.database === 'string' ? openDatabase(options.database, options.synchronous ? { synchronous: options.synchronous } : {}) : options.database;
    // Deflating large payloads pays for itself in memory too: SQLite copies fewer pages.
    this.store = new JournalStore(this.db, createPayloadCodec(options.encryptionKey));
    this.clock = options.clock;
    this.wakeup = options.wakeup;
    this.ids = options.ids ?? uuidIds;
    this.random = options.random ?? systemRandom;
    this.tasks = options.tasks;
    this.log = options.log ?? noLog;
    this.cacheSize = options.cacheSize ?? 1000;
    this.timerBatch = options.timerBatch ?? 512;
    this.sliceMs = options.sliceMs ?? STEP_SLICE_MS;
    this.stepBudgetMs = options.stepBudgetMs ?? STEP_BUDGET_MS;
    this.maxHistoryEvents = options.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
    const bound = this.store.binding;
    if (bound?.rebound) this.log.info({ rebound: bound.rebound }, 'journal upgraded: encrypted rows are now bound to their table, column and row');
    if (bound?.unreadable.length)
      this.log.warn({ unreadable: bound.unreadable.slice(0, 20), count: bound.unreadable.length }, 'journal rows that do not decrypt were left as they are; reading them fails');
    // Group commit amortises fsyncs; an in-memory database has none, so it commits at once rather
    // than waiting a turn of the event loop per write.
    this.machines = new StateMachines(this.store, this.clock);
    this.committer = new GroupCommit(this.db, this.db.memory ? (fn) => fn() : deferToNextTurn);
    const bindable = options.tasks as { bindExecutions?: (e: ExecutionPort) => void } | undefined;
    bindable?.bindExecutions?.(this);
  }

  // --- state machines (stateMachines.ts) ------------------------------------------------------

  createStateMachine(input: Parameters<StateMachines['create']>[0]): ReturnType<StateMachines['create']> {
    return this.machines.create(input);
  }

  updateStateMachine(input: Parameters<StateMachines['update']>[0]): ReturnType<StateMachines['update']> {
    return this.machines.update(input);
  }

  describeStateMachine(input: Parameters<StateMachines['describe']>[0]): ReturnType<StateMachines['describe']> {
    return this.machines.describe(input);
  }

  listStateMachines(input: Parameters<StateMachines['list']>[0] = {}): ReturnType<StateMachines['list']> {
    return this.machines.list(input);
  }

  // --- executions -----------------------------------------------------------------------------

  async startExecution(input: StartExecutionCommandInput): Promise<{ executionArn: string; startDate: Date }> {
    const req = requireObject(input, 'StartExecution');
    const smArn = requireString(req, 'stateMachineArn');
    const { version } = parseStateMachineArn(smArn);
    const sm = this.machines.byArn(smArn);
    const rev = version === undefined ? this.store.revision(sm.revision_id) : this.store.revisionByVersion(sm.id, version);
    if (!rev) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${smArn}'`);
    const name = req.name === undefined || req.name === null ? this.ids.next() : assertValidName('execution', req.name);
    const inputText = optionalString(req, 'input') ?? '{}';
    const parsed = parseJsonText(inputText, 'InvalidExecutionInput', 'Execution input');
    const digest = this.store.codec.digest(inputText);
    const arn = makeExecutionArn(sm.name, name);
    const key = `${sm.id}:${name}`;
    // AWS: the same name and input while the first is still running returns the first.
    const inFlight = this.starting.get(key);
    if (inFlight) {
      if (inFlight.digest === digest) return inFlight.done;
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const existing = this.store.executionByName(sm.id, name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input_digest === digest) return { executionArn: arn, startDate: new Date(existing.start_ms) };
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    if (this.closing) throw new WorkflowError('States.Runtime', 'the engine is closed');
    const done = this.start({ smId: sm.id, smName: sm.name, smArn, revisionId: rev.id, version, roleArn: rev.role_arn, name, arn, inputText, input: parsed, digest });
    this.starting.set(key, { digest, done });
    try {
      return await done;
    } finally {
      this.starting.delete(key);
    }
  }

  private async start(start: NewExecution): Promise<{ executionArn: string; startDate: Date }> {
    const { smId, smName, smArn, revisionId, version, roleArn, name, arn, inputText, input, digest } = start;
    const env = this.env();
    const info: ExecutionInfo = {
      executionArn: arn,
      executionName: name,
      stateMachineArn: smArn,
      stateMachineName: smName,
      roleArn,
      startTime: new Date(env.now).toISOString(),
      type: 'STANDARD',
      redriveCount: 0,
    };
    const state = createExecutionState(info);
    const result = await this.runInterpreter(revisionId, state, { type: 'Start', input }, env, undefined);
    let execId = 0;
    const persisted = new Set<string>();
    const run = this.committer.commit(() => {
      persisted.clear();
      execId = this.store.insertExecution({ smId, revisionId, ...(version === undefined ? {} : { version }), name, inputText, inputDigest: digest, startMs: env.now, meta: metaOf(result.state) });
      this.store.writeStep({ ...this.stepWrite(execId, 1, result, undefined, env.now), revisionId, persisted, fresh: true });
    });
    void this.track(run);
    await run;
    const live: Live = { execId, arn, revisionId, state: result.state, nextEvent: this.nextEventAfter(1, result), persisted };
    this.emit({ type: 'started', executionArn: arn, stateMachineName: smName, executionName: name, ...(version === undefined ? {} : { version }), at: env.now });
    this.afterCommit(live, result.commands);
    return { executionArn: arn, startDate: new Date(env.now) };
  }

  private execRow(executionArn: unknown): ExecutionRow {
    if (typeof executionArn !== 'string' || executionArn === '') throw validationError('executionArn', 'is required and must be a non-empty string');
    const { stateMachineName, name } = parseExecutionArn(executionArn);
    const sm = this.store.stateMachineByName(stateMachineName);
    const row = sm && this.store.executionByName(sm.id, name);
    if (!row) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return row;
  }

  describeExecution(input: { executionArn: string }): Record<string, unknown> & { executionArn: string; status: string; startDate: Date } {
    const req = requireObject(input, 'DescribeExecution');
    const row = this.execRow(req.executionArn);
    const smName = this.machines.name(row.state_machine_id);
    const out: Record<string, unknown> & { executionArn: string; status: string; startDate: Date } = {
      executionArn: makeExecutionArn(smName, row.name),
      stateMachineArn: makeStateMachineArn(smName),
      name: row.name,
      status: row.status,
      startDate: new Date(row.start_ms),
      input: this.store.executionValue(row, 'input'),
      inputDetails: { included: true },
      redriveCount: row.redrive_count,
      redriveStatus: REDRIVABLE.has(row.status) ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
    };
    if (row.version !== null) out.stateMachineVersionArn = `${makeStateMachineArn(smName)}:${row.version}`;
    if (row.stop_ms !== null) out.stopDate = new Date(row.stop_ms);
    if (row.status === 'SUCCEEDED') {
      out.output = JSON.stringify(this.store.executionValue(row, 'output') ?? null);
      out.outputDetails = { included: true };
    }
    if (row.error !== null) out.error = row.error;
    if (row.cause !== null) out.cause = this.store.executionValue(row, 'cause');
    if (row.redrive_ms !== null) out.redriveDate = new Date(row.redrive_ms);
    return out;
  }

  listExecutions(input: { stateMachineArn: string; statusFilter?: string; maxResults?: number; nextToken?: string }): {
    executions: Array<{ executionArn: string; stateMachineArn: string; name: string; status: string; startDate: Date; stopDate?: Date; redriveCount: number }>;
    nextToken?: string;
  } {
    const req = requireObject(input, 'ListExecutions');
    const sm = this.machines.byArn(requireString(req, 'stateMachineArn'));
    const status = optionalString(req, 'statusFilter');
    if (status !== undefined && !STATUSES.has(status)) throw validationError('statusFilter', `must be one of ${[...STATUSES].join(', ')}`);
    const limit = pageSize(req.maxResults, 100);
    const rows = this.store.listExecutions(sm.id, status, decodeToken(req.nextToken) ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const page = rows.slice(0, limit);
    const smArn = makeStateMachineArn(sm.name);
    const executions = page.map((r) => {
      const e = { executionArn: makeExecutionArn(sm.name, r.name), stateMachineArn: smArn, name: r.name, status: r.status, startDate: new Date(r.start_ms), redriveCount: r.redrive_count };
      return r.stop_ms === null ? e : { ...e, stopDate: new Date(r.stop_ms) };
    });
    const last = page[page.length - 1];
    return rows.length > limit && last ? { executions, nextToken: encodeToken(last.id) } : { executions };
  }

  getExecutionHistory(input: { executionArn: string; maxResults?: number; nextToken?: string; reverseOrder?: boolean; includeExecutionData?: boolean }): {
    events: HistoryEvent[];
    nextToken?: string;
  } {
    const req = requireObject(input, 'GetExecutionHistory');
    const row = this.execRow(req.executionArn);
    const reverse = req.reverseOrder === true;
    const limit = pageSize(req.maxResults, 100);
    const cursor = decodeToken(req.nextToken) ?? (reverse ? Number.MAX_SAFE_INTEGER : 0);
    const include = req.includeExecutionData !== false;
    const rows = this.store.historyPage(row.id, reverse, cursor, limit + 1, row.next_event, row.revision_id, { data: include });
    const page = rows.slice(0, limit);
    const events = page.map((h) => toHistoryEvent(h.id, h.type, h.ts, h.details, include));
    const last = page[page.length - 1];
    return rows.length > limit && last ? { events, nextToken: encodeToken(last.id) } : { events };
  }

  async stopExecution(input: { executionArn: string; error?: string; cause?: string }): Promise<{ stopDate: Date }> {
    const req = requireObject(input, 'StopExecution');
    const row = this.execRow(req.executionArn);
    const error = optionalString(req, 'error', 256);
    const cause = optionalString(req, 'cause', 32768);
    if (row.status === 'RUNNING') {
      const ev: InterpreterEvent = { type: 'Stop', ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
      await this.deliver(row.id, ev, undefined);
    }
    const after = this.store.execution(row.id);
    return { stopDate: new Date(after?.stop_ms ?? this.clock.now()) };
  }

  async redriveExecution(input: { executionArn: string; clientToken?: string }): Promise<{ redriveDate: Date }> {
    const req = requireObject(input, 'RedriveExecution');
    const row = this.execRow(req.executionArn);
    if (!REDRIVABLE.has(row.status)) throw new StepFunctionsError('ExecutionNotRedrivable', `Execution is ${row.status} and cannot be redriven: '${String(req.executionArn)}'`);
    // AWS: an execution that used up its history quota cannot be redriven.
    if (row.next_event > this.maxHistoryEvents)
      throw new StepFunctionsError('ExecutionNotRedrivable', `Execution reached the maximum number of history events and cannot be redriven: '${String(req.executionArn)}'`);
    const result = await this.deliver(row.id, { type: 'Redrive' }, undefined);
    if (result !== 'applied') throw new StepFunctionsError('ExecutionNotRedrivable', `Execution cannot be redriven: '${String(req.executionArn)}'`);
    return { redriveDate: new Date(this.store.execution(row.id)?.redrive_ms ?? this.clock.now()) };
  }

  // --- callbacks --------------------------------------------------------------------------------

  private tokenRow(input: unknown, op: string): { execution_id: number; task_id: string } {
    const req = requireObject(input, op);
    const token = req.taskToken;
    if (typeof token !== 'string' || token.length < 1 || token.length > 2048) throw new StepFunctionsError('InvalidToken', 'Invalid Token: the task token must be a string of 1 to 2048 characters');
    const row = this.store.token(token);
    if (!row) throw new StepFunctionsError('TaskDoesNotExist', 'Task Does Not Exist');
    if (row.status !== 'open') throw new StepFunctionsError('TaskTimedOut', 'Task Timed Out: the task token has expired or its task was closed');
    return row;
  }

  async sendTaskSuccess(input: SendTaskSuccessCommandInput): Promise<void> {
    const row = this.tokenRow(input, 'SendTaskSuccess');
    const outputText = (input as { output?: unknown }).output;
    if (typeof outputText !== 'string') throw validationError('output', 'is required and must be a JSON string');
    const output = parseJsonText(outputText, 'InvalidOutput', 'Task output');
    const r = await this.deliver(row.execution_id, { type: 'TaskSucceeded', taskId: row.task_id, output }, { taskId: row.task_id, consume: true });
    if (r !== 'applied') throw new StepFunctionsError('TaskTimedOut', 'Task Timed Out: the task was already closed');
  }

  async sendTaskFailure(input: SendTaskFailureCommandInput): Promise<void> {
    const row = this.tokenRow(input, 'SendTaskFailure');
    const req = input as unknown as Record<string, unknown>;
    const error = optionalString(req, 'error', 256);
    const cause = optionalString(req, 'cause', 32768);
    const ev: InterpreterEvent = { type: 'TaskFailed', taskId: row.task_id, error: error ?? '', ...(cause === undefined ? {} : { cause }) };
    const r = await this.deliver(row.execution_id, ev, { taskId: row.task_id, consume: true });
    if (r !== 'applied') throw new StepFunctionsError('TaskTimedOut', 'Task Timed Out: the task was already closed');
  }

  async sendTaskHeartbeat(input: SendTaskHeartbeatCommandInput): Promise<void> {
    const row = this.tokenRow(input, 'SendTaskHeartbeat');
    const r = await this.deliver(row.execution_id, { type: 'TaskHeartbeat', taskId: row.task_id }, { taskId: row.task_id, consume: false });
    if (r !== 'applied') throw new StepFunctionsError('TaskTimedOut', 'Task Timed Out: the task was already closed');
  }

  // --- recovery, timers, idling -----------------------------------------------------------------

  /**
   * Start-up: re-delivers task invocations that never completed (same idempotency key) and arms
   * the timer loop. Execution states stay in the journal until an event needs them, so recovery
   * time does not grow with the number of parked executions.
   */
  recover(): Promise<{ running: number; redelivered: number; nextTimerAt?: number }> {
    let redelivered = 0;
    for (const t of this.store.undeliveredTasks()) {
      const row = this.store.execution(t.execution_id);
      if (row?.status !== 'RUNNING') continue;
      const cmd: InvokeTask = {
        type: 'InvokeTask',
        taskId: t.task_id,
        resource: t.resource,
        payload: this.store.taskValue(t, 'payload'),
        stateName: t.state_name,
        idempotencyKey: t.idempotency_key,
      };
      const token = this.store.taskValue(t, 'token');
      if (typeof token === 'string') cmd.taskToken = token;
      const params = this.store.taskValue(t, 'parameters');
      if (params !== undefined) cmd.parameters = params;
      this.dispatchTask(t.execution_id, makeExecutionArn(this.machines.name(row.state_machine_id), row.name), cmd);
      redelivered += 1;
    }
    this.scheduleNextTimer();
    const next = this.store.nextTimerAt();
    const running = this.store.countExecutions('RUNNING');
    return Promise.resolve(next === undefined ? { running, redelivered } : { running, redelivered, nextTimerAt: next });
  }

  /** Waits until no step, commit or task is in flight, firing timers already due on the clock. */
  async runUntilIdle(): Promise<void> {
    for (;;) {
      while (this.pending.size) await Promise.allSettled([...this.pending]);
      const fired = this.wakeup ? 0 : this.fireDue();
      if (fired === 0 && this.pending.size === 0) return;
    }
  }

  /** Epoch ms of the earliest timer row, for a driver that interleaves the engine with other timed components. */
  nextTimerAt(): number | undefined {
    return this.store.nextTimerAt();
  }

  /** Simulated clock only: moves time to `ms`, firing every timer due on the way in order. */
  async advanceTo(ms: number): Promise<void> {
    const clock = this.clock as Clock & { set?: (ms: number) => number };
    if (typeof clock.set !== 'function') throw new Error('advanceTo needs a simulated clock (core/clock/simulatedClock)');
    await this.runUntilIdle();
    for (;;) {
      const next = this.store.nextTimerAt();
      if (next === undefined || next > ms) break;
      clock.set(next);
      this.fireDue();
      await this.runUntilIdle();
    }
    clock.set(ms);
    await this.runUntilIdle();
  }

  /** Simulated clock only: advances from timer to timer until none is left (or `limitMs` is reached). */
  async runToCompletion(limitMs = Number.MAX_SAFE_INTEGER): Promise<void> {
    await this.runUntilIdle();
    for (;;) {
      const next = this.store.nextTimerAt();
      if (next === undefined || next > limitMs) return;
      await this.advanceTo(Math.max(next, this.clock.now()));
    }
  }

  /**
   * Finishes the steps and commits in flight, then closes. Task handlers still running are not
   * waited for: their rows stay undelivered and the next recover() re-delivers them.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.interrupt();
    if (this.closeDone) return this.closeDone;
    this.closeDone = this.finishClose();
    return this.closeDone;
  }

  /**
   * The first half of close(), for a shell that must stop other loops first: refuses new work, and
   * makes a step in flight abandon itself at its next pace point, uncommitted (the timer, task
   * outcome or start that began it is delivered again after a restart).
   */
  interrupt(): void {
    if (this.closing) return;
    this.closing = true;
    this.wakeup?.disarm();
  }

  private closeDone: Promise<void> | undefined;

  private async finishClose(): Promise<void> {
    for (;;) {
      const steps = [...this.pending].filter((p) => !this.handlerRuns.has(p));
      if (!steps.length) break;
      await Promise.allSettled(steps);
    }
    this.committer.flush();
    this.closed = true;
    if (this.ownsDb) this.db.close();
  }

  /** Test helper: stops without waiting for anything, as a crash would (the database is closed). */
  abandon(): void {
    this.closing = true;
    this.closed = true;
    this.wakeup?.disarm();
    if (this.ownsDb) this.db.close();
  }

  // --- the executor -----------------------------------------------------------------------------

  private env(): StepEnvironment {
    const env: StepEnvironment = { now: this.clock.now(), newId: () => this.ids.next(), random: this.random, pace: this.stepPace() };
    if (this.maxHistoryEvents !== MAX_HISTORY_EVENTS) env.maxHistoryEvents = this.maxHistoryEvents;
    return env;
  }

  /**
   * The interpreter's pace for one step: a turn of the event loop every `sliceMs` of real time (so
   * /health, other executions and SIGTERM are served during a long step), the step budget, and the
   * abandoning of the step once the engine is closing.
   */
  private stepPace(): () => Promise<void> | undefined {
    const started = monotonicMs();
    let lastTurn = started;
    return () => {
      if (this.closing) throw new StepAbort('discard', 'States.Runtime', 'the engine is closing');
      const now = monotonicMs();
      if (now - started > this.stepBudgetMs) {
        throw new StepAbort(
          'fail',
          'States.Runtime',
          `The execution ran for more than ${Math.round(this.stepBudgetMs / 1000)} s without waiting (a loop with no Wait, Task or callback state?); the local engine's step budget ended it.`,
        );
      }
      if (now - lastTurn < this.sliceMs) return undefined;
      return yieldToEventLoop().then(() => {
        lastTurn = monotonicMs();
      });
    };
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const drop = (): void => {
      this.pending.delete(p);
    };
    p.then(drop, drop);
    return p;
  }

  /** Runs `fn` after every earlier piece of work on the same execution. */
  private serial<T>(execId: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(execId);
    const run = prev ? prev.then(fn, fn) : fn();
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(execId, tail);
    void tail.then(() => {
      if (this.chains.get(execId) === tail) this.chains.delete(execId);
    });
    return this.track(run);
  }

  private load(execId: number): Live | undefined {
    const cached = this.cache.get(execId);
    if (cached) {
      // Refresh LRU position.
      this.cache.delete(execId);
      this.cache.set(execId, cached);
      return cached;
    }
    const row = this.store.execution(execId);
    if (!row) return undefined;
    const meta = JSON.parse(row.meta) as Omit<ExecutionState, 'frames'>;
    const state = { ...meta, status: row.status, frames: this.store.loadFrames(execId) } as ExecutionState;
    const persisted = new Set(Object.keys(state.frames));
    return { execId, arn: makeExecutionArn(this.machines.name(row.state_machine_id), row.name), revisionId: row.revision_id, state, nextEvent: row.next_event, persisted };
  }

  private remember(live: Live): void {
    this.cache.delete(live.execId);
    if (live.state.status !== 'RUNNING') return;
    this.cache.set(live.execId, live);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  private deliver(execId: number, event: InterpreterEvent, guard: Guard | undefined): Promise<DeliverResult> {
    if (this.closing) return Promise.reject(new WorkflowError('States.Runtime', 'the engine is closing'));
    return this.serial(execId, async () => {
      if (this.closed) return 'stale';
      if (guard?.timerId !== undefined && !this.store.timerExists(execId, guard.timerId)) return 'stale';
      if (guard?.taskId !== undefined && !this.store.task(execId, guard.taskId)) return 'stale';
      const live = this.load(execId);
      if (!live) return 'stale';
      const redrive = event.type === 'Redrive';
      if (redrive ? !REDRIVABLE.has(live.state.status) : live.state.status !== 'RUNNING') {
        // A timer left behind by an ended execution must not fire forever.
        if (guard?.timerId !== undefined) {
          const timerId = guard.timerId;
          await this.committer.commit(() => this.store.writeStep({ ...this.emptyWrite(live), consumed: { timerId } }));
        }
        return 'not-running';
      }
      const env = this.env();
      let redriveInfo: { count: number; at: number } | undefined;
      if (redrive) {
        const count = (this.store.execution(execId)?.redrive_count ?? 0) + 1;
        redriveInfo = { count, at: env.now };
        live.state.info = { ...live.state.info, redriveCount: count };
      }
      let result: StepResult;
      if (redrive) {
        // A redrive the interpreter refuses leaves the failed execution as it was.
        try {
          result = await step(this.machines.definition(live.revisionId), live.state, event, env);
        } catch (err) {
          this.cache.delete(execId);
          throw new StepFunctionsError('ExecutionNotRedrivable', `Execution cannot be redriven: ${err instanceof Error ? err.message : String(err)}`);
        }
      } else result = await this.runInterpreter(live.revisionId, live.state, event, env, execId);
      const consumed = guard?.consume === false ? undefined : guard;
      const write = { ...this.stepWrite(execId, live.nextEvent, result, consumed, env.now, redriveInfo), revisionId: live.revisionId, persisted: live.persisted };
      try {
        await this.committer.commit(() => this.store.writeStep(write));
      } catch (err) {
        this.cache.delete(execId);
        throw err;
      }
      live.state = result.state;
      live.nextEvent = this.nextEventAfter(live.nextEvent, result);
      this.remember(live);
      this.afterCommit(live, result.commands);
      return 'applied';
    });
  }

  private emptyWrite(live: Live): StepWrite {
    return { execId: live.execId, firstEventId: live.nextEvent, history: [], state: live.state, changedFrames: [], removedFrames: [], commands: [], now: this.clock.now() };
  }

  private nextEventAfter(first: number, result: JournaledStep): number {
    if (result.chunk) return result.chunk.size ? result.chunk.lastId + 1 : first;
    let id = first;
    for (const ev of result.history) id = (ev.id ?? id) + 1;
    return id;
  }

  private stepWrite(execId: number, firstEventId: number, result: JournaledStep, consumed: Guard | undefined, now: number, redrive?: { count: number; at: number }): StepWrite {
    const w: StepWrite = {
      execId,
      firstEventId,
      history: result.history,
      ...(result.chunk ? { chunk: result.chunk } : {}),
      state: result.state,
      changedFrames: result.changedFrames,
      removedFrames: result.removedFrames,
      commands: result.commands,
      now,
    };
    if (consumed) w.consumed = { ...(consumed.timerId === undefined ? {} : { timerId: consumed.timerId }), ...(consumed.taskId === undefined ? {} : { taskId: consumed.taskId }) };
    if (redrive) w.redrive = redrive;
    return w;
  }

  /**
   * Calls the pure interpreter. A throw is an interpreter defect: the execution fails with
   * States.Runtime (as AWS fails an execution on an internal error) rather than the process.
   */
  private async runInterpreter(revisionId: number, state: ExecutionState, event: InterpreterEvent, env: StepEnvironment, execId: number | undefined): Promise<JournaledStep> {
    const snapshot = { ...state, frames: state.frames };
    // The step's events are encoded as the interpreter emits them (see HistorySink).
    const chunk = new ChunkBuilder(this.store.stateNames(revisionId));
    try {
      const result = await step(this.machines.definition(revisionId), state, event, { ...env, historySink: chunk });
      return { ...result, chunk };
    } catch (err) {
      if (execId !== undefined) this.cache.delete(execId);
      // Abandoned (closing): nothing is journaled, the event stays to be delivered again.
      if (err instanceof StepAbort) throw err;
      const cause = err instanceof Error ? err.message : String(err);
      this.log.error({ err: cause, event: event.type }, 'interpreter step failed; failing the execution');
      const fresh = execId === undefined ? undefined : this.load(execId);
      const base = fresh?.state ?? snapshot;
      const next = fresh?.nextEvent ?? (base.historyCount ?? 0) + 1;
      const failed: ExecutionState = { ...base, status: 'FAILED', historyCount: next };
      return {
        state: failed,
        history: [{ type: 'ExecutionFailed', id: next, timestamp: env.now, details: { error: 'States.Runtime', cause } }],
        commands: [{ type: 'ExecutionEnded', status: 'FAILED', error: 'States.Runtime', cause }],
        changedFrames: [],
        removedFrames: [],
      };
    }
  }

  private afterCommit(live: Live, commands: readonly Command[]): void {
    for (const c of commands) {
      if (c.type === 'InvokeTask') this.dispatchTask(live.execId, live.arn, c);
      else if (c.type === 'StartTimer') this.timerAdded(c.fireAt);
      else if (c.type === 'ExecutionEnded') {
        this.cache.delete(live.execId);
        if (this.lifecycle.size) {
          const info = live.state.info;
          const version = this.store.revision(live.revisionId)?.version ?? undefined;
          this.emit({
            type: 'ended',
            executionArn: live.arn,
            stateMachineName: info.stateMachineName,
            executionName: info.executionName,
            ...(version === undefined || version === null ? {} : { version }),
            status: c.status,
            ...(c.error === undefined ? {} : { error: c.error }),
            startedAt: Date.parse(info.startTime),
            at: this.clock.now(),
          });
        }
      }
    }
  }

  /** Subscribes to execution starts and ends (after their commit); returns the unsubscribe. */
  onLifecycle(listener: (e: LifecycleEvent) => void): () => void {
    this.lifecycle.add(listener);
    return () => this.lifecycle.delete(listener);
  }

  private emit(e: LifecycleEvent): void {
    for (const l of this.lifecycle) {
      try {
        l(e);
      } catch (err) {
        this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'lifecycle listener failed');
      }
    }
  }

  private dispatchTask(execId: number, arn: string, cmd: InvokeTask): void {
    const key = `${execId}:${cmd.taskId}`;
    if (this.inflightTasks.has(key)) return;
    const tasks = this.tasks;
    this.inflightTasks.add(key);
    const run = (async (): Promise<void> => {
      const startedAt = this.clock.now();
      const outcome = tasks
        ? await tasks
            .invoke({
              resource: cmd.resource,
              payload: cmd.payload,
              idempotencyKey: cmd.idempotencyKey,
              executionArn: arn,
              stateName: cmd.stateName,
              ...(cmd.parameters === undefined ? {} : { parameters: cmd.parameters }),
              ...(cmd.taskToken === undefined ? {} : { taskToken: cmd.taskToken }),
            })
            .catch((err: unknown) => ({ ok: false as const, error: 'States.Runtime', cause: err instanceof Error ? err.message : String(err) }))
        : { ok: false as const, error: 'States.Runtime', cause: 'no task port is configured' };
      if (this.closing) return;
      this.emit({
        type: 'task',
        executionArn: arn,
        stateMachineName: arn.split(':')[6] ?? '',
        resource: cmd.resource,
        ok: outcome.ok,
        ...(outcome.ok ? {} : { error: outcome.error }),
        startedAt,
        at: this.clock.now(),
      });
      if (cmd.taskToken !== undefined && outcome.ok) {
        // A callback task is complete only when SendTask* arrives; just record the delivery.
        await this.committer.commit(() => this.store.markDelivered(execId, cmd.taskId));
        return;
      }
      const ev: InterpreterEvent = outcome.ok
        ? { type: 'TaskSucceeded', taskId: cmd.taskId, output: outcome.output }
        : { type: 'TaskFailed', taskId: cmd.taskId, error: outcome.error, ...(outcome.cause === undefined ? {} : { cause: outcome.cause }) };
      await this.deliver(execId, ev, { taskId: cmd.taskId, consume: true });
    })()
      .catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'task completion could not be journaled'))
      .finally(() => {
        this.inflightTasks.delete(key);
        this.handlerRuns.delete(run);
      });
    this.handlerRuns.add(run);
    void this.track(run);
  }

  private timerAdded(fireAt: number): void {
    if (!this.wakeup || this.closing || this.inflightTimers.size) return;
    if (this.armedAt === undefined || fireAt < this.armedAt) this.arm(fireAt);
  }

  private scheduleNextTimer(): void {
    if (!this.wakeup || this.closing || this.inflightTimers.size) return;
    const next = this.store.nextTimerAt();
    if (next === undefined) {
      this.wakeup.disarm();
      this.armedAt = undefined;
    } else this.arm(next);
  }

  private arm(at: number): void {
    this.armedAt = at;
    this.wakeup?.arm(at, () => {
      this.armedAt = undefined;
      if (!this.closed) this.fireDue();
    });
  }

  /** Hands every due timer (up to a batch) to its execution; returns how many were handed over. */
  private fireDue(): number {
    if (this.closing) return 0;
    let n = 0;
    for (const row of this.store.dueTimers(this.clock.now(), this.timerBatch)) {
      const key = `${row.execution_id}:${row.timer_id}`;
      if (this.inflightTimers.has(key)) continue;
      this.inflightTimers.add(key);
      n += 1;
      const done = this.deliver(row.execution_id, { type: 'TimerFired', timerId: row.timer_id }, { timerId: row.timer_id, consume: true })
        .catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'timer could not be delivered'))
        .finally(() => {
          this.inflightTimers.delete(key);
          if (this.inflightTimers.size === 0) this.scheduleNextTimer();
        });
      void this.track(done);
    }
    if (n === 0) this.scheduleNextTimer();
    return n;
  }
}
