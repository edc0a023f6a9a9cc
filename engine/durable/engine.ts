import type { SendTaskFailureCommandInput, SendTaskHeartbeatCommandInput, SendTaskSuccessCommandInput, StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import type { Clock, IdGenerator } from '../../schemas/clock';
import { WorkflowError } from '../../schemas/errors';
import type { ExecutionPort, Logger } from '../../schemas/ports';
import { uuidIds } from '../../core/clock/ids';
import { deferToNextTurn, systemRandom, type Wakeup } from '../../core/clock/systemClock';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import type { InterpreterEvent } from '../interpreter/contract';
import { MAX_HISTORY_EVENTS } from '../interpreter/budgets';
import type { TaskPort } from '../../schemas/taskPort';
import { StepFunctionsError, validationError } from './apiErrors';
import { decodeToken, encodeToken, optionalString, pageSize, parseJsonText, requireObject, requireString } from './apiInput';
import { StateMachines } from './stateMachines';
import { GroupCommit } from './groupCommit';
import { toHistoryEvent, type HistoryEvent } from './historyEvents';
import { JournalStore, type ExecutionRow } from './journalStore';
import { assertValidName, executionArn as makeExecutionArn, parseExecutionArn, parseStateMachineArn, stateMachineArn as makeStateMachineArn } from './names';
import { createPayloadCodec, type EncryptionKeys } from '../../core/db/payloadCodec';
import { REDRIVABLE, type LifecycleEvent } from './executionTypes';
import { Executor } from './executor';

export type { LifecycleEvent, NewExecution } from './executionTypes';

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

const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);
const noLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The durable local Step Functions API: checks each call's input in AWS's wording and answers it
 * from the journal; the Executor (executor.ts) runs what a call starts or delivers.
 */
export class Engine implements ExecutionPort {
  readonly db: Db;
  readonly store: JournalStore;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly ownsDb: boolean;
  private readonly machines: StateMachines;
  private readonly executor: Executor;
  private readonly starting = new Map<string, { digest: string; done: Promise<{ executionArn: string; startDate: Date }> }>();
  private readonly maxHistoryEvents: number;

  constructor(options: EngineOptions) {
    this.ownsDb = typeof options.database === 'string';
    this.db = typeof options.database === 'string' ? openDatabase(options.database, options.synchronous ? { synchronous: options.synchronous } : {}) : options.database;
    // Deflating large payloads pays for itself in memory too: SQLite copies fewer pages.
    this.store = new JournalStore(this.db, createPayloadCodec(options.encryptionKey));
    this.clock = options.clock;
    this.ids = options.ids ?? uuidIds;
    const log = options.log ?? noLog;
    this.maxHistoryEvents = options.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
    const bound = this.store.binding;
    if (bound?.rebound) log.info({ rebound: bound.rebound }, 'journal upgraded: encrypted rows are now bound to their table, column and row');
    if (bound?.unreadable.length) log.warn({ unreadable: bound.unreadable.slice(0, 20), count: bound.unreadable.length }, 'journal rows that do not decrypt were left as they are; reading them fails');
    this.machines = new StateMachines(this.store, this.clock);
    this.executor = new Executor({
      store: this.store,
      machines: this.machines,
      // Group commit amortises fsyncs; an in-memory database has none, so it commits at once rather
      // than waiting a turn of the event loop per write.
      committer: new GroupCommit(this.db, this.db.memory ? (fn) => fn() : deferToNextTurn),
      clock: this.clock,
      wakeup: options.wakeup,
      ids: this.ids,
      random: options.random ?? systemRandom,
      tasks: options.tasks,
      log,
      cacheSize: options.cacheSize ?? 1000,
      timerBatch: options.timerBatch ?? 512,
      sliceMs: options.sliceMs ?? STEP_SLICE_MS,
      stepBudgetMs: options.stepBudgetMs ?? STEP_BUDGET_MS,
      maxHistoryEvents: this.maxHistoryEvents,
    });
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
    if (this.executor.isClosing) throw new WorkflowError('States.Runtime', 'the engine is closed');
    const done = this.executor.start({ smId: sm.id, smName: sm.name, smArn, revisionId: rev.id, version, roleArn: rev.role_arn, name, arn, inputText, input: parsed, digest });
    this.starting.set(key, { digest, done });
    try {
      return await done;
    } finally {
      this.starting.delete(key);
    }
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
      await this.executor.deliver(row.id, ev, undefined);
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
    const result = await this.executor.deliver(row.id, { type: 'Redrive' }, undefined);
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
    const r = await this.executor.deliver(row.execution_id, { type: 'TaskSucceeded', taskId: row.task_id, output }, { taskId: row.task_id, consume: true });
    if (r !== 'applied') throw new StepFunctionsError('TaskTimedOut', 'Task Timed Out: the task was already closed');
  }

  async sendTaskFailure(input: SendTaskFailureCommandInput): Promise<void> {
    const row = this.tokenRow(input, 'SendTaskFailure');
    const req = input as unknown as Record<string, unknown>;
    const error = optionalString(req, 'error', 256);
    const cause = optionalString(req, 'cause', 32768);
    const ev: InterpreterEvent = { type: 'TaskFailed', taskId: row.task_id, error: error ?? '', ...(cause === undefined ? {} : { cause }) };
    const r = await this.executor.deliver(row.execution_id, ev, { taskId: row.task_id, consume: true });
    if (r !== 'applied') throw new StepFunctionsError('TaskTimedOut', 'Task Timed Out: the task was already closed');
  }

  async sendTaskHeartbeat(input: SendTaskHeartbeatCommandInput): Promise<void> {
    const row = this.tokenRow(input, 'SendTaskHeartbeat');
    const r = await this.executor.deliver(row.execution_id, { type: 'TaskHeartbeat', taskId: row.task_id }, { taskId: row.task_id, consume: false });
    if (r !== 'applied') throw new StepFunctionsError('TaskTimedOut', 'Task Timed Out: the task was already closed');
  }

  /** Subscribes to execution starts and ends (after their commit); returns the unsubscribe. */
  onLifecycle(listener: (e: LifecycleEvent) => void): () => void {
    return this.executor.onLifecycle(listener);
  }

  // --- recovery, timers, idling -----------------------------------------------------------------

  /**
   * Start-up: re-delivers task invocations that never completed (same idempotency key) and arms
   * the timer loop. Execution states stay in the journal until an event needs them, so recovery
   * time does not grow with the number of parked executions.
   */
  recover(): Promise<{ running: number; redelivered: number; nextTimerAt?: number }> {
    const redelivered = this.executor.redeliverTasks();
    this.executor.scheduleNextTimer();
    const next = this.store.nextTimerAt();
    const running = this.store.countExecutions('RUNNING');
    return Promise.resolve(next === undefined ? { running, redelivered } : { running, redelivered, nextTimerAt: next });
  }

  /** Waits until no step, commit or task is in flight, firing timers already due on the clock. */
  runUntilIdle(): Promise<void> {
    return this.executor.runUntilIdle();
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
      this.executor.fireDue();
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
    if (this.executor.isClosed) return;
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
    this.executor.interrupt();
  }

  private closeDone: Promise<void> | undefined;

  private async finishClose(): Promise<void> {
    for (;;) {
      const steps = this.executor.stepsInFlight();
      if (!steps.length) break;
      await Promise.allSettled(steps);
    }
    this.executor.finish();
    if (this.ownsDb) this.db.close();
  }

  /** Test helper: stops without waiting for anything, as a crash would (the database is closed). */
  abandon(): void {
    this.executor.abandon();
    if (this.ownsDb) this.db.close();
  }
}
