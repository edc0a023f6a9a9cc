// Size: a step, its commit and the tasks and timers that commit releases share the live-state
// cache, the per-execution serial chains and the in-flight sets; split apart, each part would reach
// into the others' private state.
import type { Clock, IdGenerator } from '../../schemas/clock';
import { WorkflowError } from '../../schemas/errors';
import type { Logger } from '../../schemas/ports';
import { monotonicMs, yieldToEventLoop, type Wakeup } from '../../core/clock/systemClock';
import type { Command, ExecutionInfo, ExecutionState, InterpreterEvent, StepEnvironment, StepResult } from '../interpreter/contract';
import { MAX_HISTORY_EVENTS } from '../interpreter/budgets';
import { StepAbort } from '../interpreter/failures';
import { createExecutionState, step } from '../interpreter/index';
import type { TaskPort } from '../../schemas/taskPort';
import { StepFunctionsError } from './apiErrors';
import type { StateMachines } from './stateMachines';
import type { GroupCommit } from './groupCommit';
import { ChunkBuilder } from './historyChunk';
import { metaOf, type JournalStore, type StepWrite } from './journalStore';
import { executionArn as makeExecutionArn } from './names';
import { REDRIVABLE, type LifecycleEvent, type NewExecution } from './executionTypes';

interface Live {
  execId: number;
  arn: string;
  revisionId: number;
  state: ExecutionState;
  nextEvent: number;
  /** Frame ids that have rows in the journal. */
  persisted: Set<string>;
}

type Guard = { timerId?: string; taskId?: string; consume?: boolean };
/** A step's result; `chunk` holds its history when the interpreter wrote it to the journal's encoder. */
type JournaledStep = StepResult & { chunk?: ChunkBuilder };
type DeliverResult = 'applied' | 'stale' | 'not-running';
type InvokeTask = Extract<Command, { type: 'InvokeTask' }>;

/** What the executor runs with: the engine's resolved options and the journal it shares. */
export interface ExecutorParams {
  store: JournalStore;
  machines: StateMachines;
  committer: GroupCommit;
  clock: Clock;
  wakeup: Wakeup | undefined;
  ids: IdGenerator;
  random: () => number;
  tasks: TaskPort | undefined;
  log: Logger;
  cacheSize: number;
  timerBatch: number;
  sliceMs: number;
  stepBudgetMs: number;
  maxHistoryEvents: number;
}

/**
 * Runs executions for the Step Functions API (engine.ts): the thin shell around the pure
 * interpreter. Each step's history, frame delta, timers and task rows are written in one
 * transaction (group-committed with concurrent steps); tasks are dispatched and timers armed only
 * after that commit, so a crash at any point either replays the event (its timer/task row is still
 * there) or sees its effects.
 */
export class Executor {
  private readonly store: JournalStore;
  private readonly machines: StateMachines;
  private readonly committer: GroupCommit;
  private readonly clock: Clock;
  private readonly wakeup: Wakeup | undefined;
  private readonly ids: IdGenerator;
  private readonly random: () => number;
  private readonly tasks: TaskPort | undefined;
  private readonly log: Logger;
  private readonly cacheSize: number;
  private readonly timerBatch: number;
  private readonly sliceMs: number;
  private readonly stepBudgetMs: number;
  private readonly maxHistoryEvents: number;
  private readonly cache = new Map<number, Live>();
  private readonly chains = new Map<number, Promise<unknown>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly inflightTimers = new Set<string>();
  private readonly inflightTasks = new Set<string>();
  private readonly handlerRuns = new Set<Promise<unknown>>();
  private readonly lifecycle = new Set<(e: LifecycleEvent) => void>();
  private armedAt: number | undefined;
  private closed = false;
  private closing = false;

  constructor(params: ExecutorParams) {
    this.store = params.store;
    this.machines = params.machines;
    this.committer = params.committer;
    this.clock = params.clock;
    this.wakeup = params.wakeup;
    this.ids = params.ids;
    this.random = params.random;
    this.tasks = params.tasks;
    this.log = params.log;
    this.cacheSize = params.cacheSize;
    this.timerBatch = params.timerBatch;
    this.sliceMs = params.sliceMs;
    this.stepBudgetMs = params.stepBudgetMs;
    this.maxHistoryEvents = params.maxHistoryEvents;
  }

  async start(start: NewExecution): Promise<{ executionArn: string; startDate: Date }> {
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

  // --- idling and closing (the engine's runUntilIdle, close, interrupt, abandon) ------------------

  /** Waits until no step, commit or task is in flight, firing timers already due on the clock. */
  async runUntilIdle(): Promise<void> {
    for (;;) {
      while (this.pending.size) await Promise.allSettled([...this.pending]);
      const fired = this.wakeup ? 0 : this.fireDue();
      if (fired === 0 && this.pending.size === 0) return;
    }
  }

  /** True once interrupt() (or abandon()) ran: new work is refused. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** True once finish() (or abandon()) ran. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Refuses new work; a step in flight abandons itself at its next pace point, uncommitted. */
  interrupt(): void {
    if (this.closing) return;
    this.closing = true;
    this.wakeup?.disarm();
  }

  /** The steps and commits in flight, without the task handlers: close does not wait for those. */
  stepsInFlight(): Array<Promise<unknown>> {
    return [...this.pending].filter((p) => !this.handlerRuns.has(p));
  }

  /** After the last step: commits what is queued and marks the executor closed. */
  finish(): void {
    this.committer.flush();
    this.closed = true;
  }

  /** Stops without waiting for anything, as a crash would. */
  abandon(): void {
    this.closing = true;
    this.closed = true;
    this.wakeup?.disarm();
  }

  // --- steps ------------------------------------------------------------------------------------

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

  deliver(execId: number, event: InterpreterEvent, guard: Guard | undefined): Promise<DeliverResult> {
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

  /** Re-delivers, at start-up, the task invocations that never completed (same idempotency key); returns how many. */
  redeliverTasks(): number {
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
    return redelivered;
  }

  // --- timers -----------------------------------------------------------------------------------

  private timerAdded(fireAt: number): void {
    if (!this.wakeup || this.closing || this.inflightTimers.size) return;
    if (this.armedAt === undefined || fireAt < this.armedAt) this.arm(fireAt);
  }

  scheduleNextTimer(): void {
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
  fireDue(): number {
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
