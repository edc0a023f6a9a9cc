import type { Command } from 'commander';
import { GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskSuccessCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { createCallbackStore } from '../../../tasks/human/callbackStore';
import type { SetExit } from '../registry';
import { listExecutions } from './executionsCommand';
import { openLocalDatabase } from './localDatabase';
import { addConnectionOptions, connect, UsageError, type Connection, type ConnectionOptions } from './opsConnection';
import { formatTable, toJson } from './output';
import { runOps } from './runOps';
import { registerTasksDescribe } from './tasksDescribe';

export interface WaitingTask {
  executionArn: string;
  workflow: string;
  state: string;
  since: string;
  /** When the task state times out (its TimeoutSeconds after it was scheduled); undefined without a timeout. */
  deadline?: string;
  /** The FHIR Task the execution waits on (local: the callback store). */
  fhirTask?: string;
}

const CLOSING = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'TaskStateExited', 'ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/** The callback task a running execution waits on, read from the end of its history. */
function waitingIn(events: readonly HistoryEvent[]): { state: string; since: Date; deadline?: Date } | undefined {
  let state = '';
  for (const e of events) {
    if (e.type === 'TaskStateEntered' && state === '') state = e.stateEnteredEventDetails?.name ?? '';
  }
  for (const e of events) {
    if (CLOSING.has(e.type ?? '')) return undefined;
    if (e.type === 'TaskScheduled' && (e.taskScheduledEventDetails?.resource ?? '').endsWith('.waitForTaskToken')) {
      const since = e.timestamp ?? new Date(0);
      const timeout = e.taskScheduledEventDetails?.timeoutInSeconds;
      return { state, since, ...(timeout ? { deadline: new Date(since.getTime() + timeout * 1000) } : {}) };
    }
  }
  return undefined;
}

/** Human tasks waiting: running executions whose newest task is a callback (`.waitForTaskToken`) task. */
export async function listWaitingTasks(conn: Connection, workflow: string | undefined, limit: string): Promise<WaitingTask[]> {
  const running = await listExecutions(conn, { status: 'RUNNING', limit, ...(workflow ? { workflow } : {}) });
  const fhirTasks = new Map<string, string>();
  if (conn.local) {
    try {
      const db = openLocalDatabase(conn.dataDir);
      try {
        for (const r of db.prepare('SELECT task, execution_arn FROM human_task_callbacks WHERE used_at IS NULL').all() as { task: string; execution_arn: string }[]) fhirTasks.set(r.execution_arn, r.task);
      } finally {
        db.close();
      }
    } catch {
      // No local database or no human tasks table yet: the FHIR Task column stays empty.
    }
  }
  const out: WaitingTask[] = [];
  for (const e of running) {
    const page = await conn.sfn.send(new GetExecutionHistoryCommand({ executionArn: e.executionArn, reverseOrder: true, maxResults: 50, includeExecutionData: false }));
    const w = waitingIn(page.events ?? []);
    if (!w) continue;
    const fhirTask = fhirTasks.get(e.executionArn ?? '');
    out.push({
      executionArn: e.executionArn ?? '',
      workflow: (e.stateMachineArn ?? '').split(':')[6] ?? '',
      state: w.state,
      since: w.since.toISOString(),
      ...(w.deadline ? { deadline: w.deadline.toISOString() } : {}),
      ...(fhirTask ? { fhirTask } : {}),
    });
  }
  return out;
}

/** A task token: given directly, or (locally) claimed from the callback store by its FHIR Task. */
function tokenFor(conn: Connection, target: string): { token: string; release?: () => void } {
  if (!/^Task\/[A-Za-z0-9\-.]{1,64}$/.test(target)) return { token: target };
  if (!conn.local) throw new UsageError('a FHIR Task reference works against the local server only; pass the task token on AWS');
  const db = openLocalDatabase(conn.dataDir);
  const key = process.env.CLINFLOW_ENCRYPTION_KEY;
  const store = createCallbackStore(db, key ? { encryptionKey: Buffer.from(key, /^[0-9a-f]{64}$/i.test(key) ? 'hex' : 'base64') } : {});
  const entry = store.claim(target, Date.now());
  if (!entry) {
    db.close();
    throw new UsageError(`no execution is waiting on ${target}`);
  }
  return {
    token: entry.taskToken,
    release: () => {
      store.release(target);
    },
  };
}

export function registerTasks(program: Command, setExit: SetExit): void {
  const cmd = program.command('tasks').description('Human tasks executions wait on: list them, complete or fail them by hand.');
  registerTasksDescribe(cmd, setExit);
  addConnectionOptions(cmd.command('list').description('waiting human tasks with their FHIR Task and deadline').option('--workflow <name>', 'only this workflow').option('--limit <n>', 'running executions to look at', '200')).action(
    (opts: ConnectionOptions & { workflow?: string; limit: string }) =>
      runOps(setExit, async () => {
        const rows = await listWaitingTasks(connect(opts), opts.workflow, opts.limit);
        process.stdout.write(opts.json ? toJson(rows) : formatTable(rows as unknown as Record<string, string>[], ['workflow', 'state', 'fhirTask', 'since', 'deadline', 'executionArn']));
      }),
  );
  addConnectionOptions(
    cmd
      .command('complete <taskOrToken>')
      .description('send task success: a FHIR Task reference (local) or a task token; prefer completing the FHIR Task itself, which also resumes the execution')
      .option('--output <json>', 'the task result (JSON)', '{}'),
  ).action((target: string, opts: ConnectionOptions & { output: string }) =>
    runOps(setExit, async () => {
      try {
        JSON.parse(opts.output);
      } catch {
        throw new UsageError('--output must be JSON');
      }
      const conn = connect(opts);
      const { token, release } = tokenFor(conn, target);
      try {
        await conn.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: opts.output }));
      } catch (err) {
        release?.();
        throw err;
      }
      process.stdout.write(opts.json ? toJson({ completed: target.startsWith('Task/') ? target : 'token' }) : `completed ${target.startsWith('Task/') ? target : 'the task'}\n`);
    }),
  );
  addConnectionOptions(
    cmd.command('fail <taskOrToken>').description('send task failure (a FHIR Task reference locally, or a task token)').option('--error <name>', 'error name the workflow can catch', 'HumanTask.Rejected').option('--cause <text>', 'cause (no PHI)'),
  ).action((target: string, opts: ConnectionOptions & { error: string; cause?: string }) =>
    runOps(setExit, async () => {
      const conn = connect(opts);
      const { token, release } = tokenFor(conn, target);
      try {
        await conn.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: opts.error, ...(opts.cause ? { cause: opts.cause } : {}) }));
      } catch (err) {
        release?.();
        throw err;
      }
      process.stdout.write(opts.json ? toJson({ failed: target.startsWith('Task/') ? target : 'token', error: opts.error }) : `failed ${target.startsWith('Task/') ? target : 'the task'} with ${opts.error}\n`);
    }),
  );
}
