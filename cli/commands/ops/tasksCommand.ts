import type { Command } from 'commander';
import { GetExecutionHistoryCommand, SendTaskFailureCommand, SendTaskSuccessCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { createFhirPortRouter } from '../../../tasks/fhir/createFhirPortRouter';
import { createCallbackStore } from '../../../tasks/human/callbackStore';
import type { SetExit } from '../registry';
import { listExecutions } from './executionsCommand';
import { endFhirTask, failureError, outputValues, taskOutputEntries, type TaskEnding } from './fhirTaskEnding';
import { auditLocally } from './localAudit';
import { openLocalDatabase } from './localDatabase';
import { addConnectionOptions, connect, type Connection, type ConnectionOptions } from './opsConnection';
import { formatTable, toJson } from './output';
import { runOps } from './runOps';
import { registerTasksDescribe } from './tasksDescribe';
import { UsageError } from '../../usageError';

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
        for (const r of db.prepare('SELECT task, execution_arn FROM human_task_callbacks WHERE used_at IS NULL').all() as { task: string; execution_arn: string }[])
          fhirTasks.set(r.execution_arn, r.task);
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

const TASK_REFERENCE = /^Task\/[A-Za-z0-9\-.]{1,64}$/;

interface EndOptions extends ConnectionOptions {
  fhirUrl?: string;
}

/**
 * Ends a human task by hand, as the clinical path would: the FHIR Task moves to its ending status on
 * its FHIR server (only where FHIR's Task state machine allows it), then the waiting execution
 * resumes with SendTaskSuccess/Failure, with the same result the Task change would have given it.
 * The callback token is claimed first, so the Task's own change notification resumes nothing twice;
 * it is given back if anything fails. A task token instead of a Task reference just sends the result.
 */
async function endTask(opts: EndOptions, target: string, ending: TaskEnding, detail: { output?: Record<string, unknown>; error?: string; cause?: string; reason?: string }): Promise<string> {
  const conn = connect(opts);
  if (!TASK_REFERENCE.test(target)) {
    if (ending === 'completed') await conn.sfn.send(new SendTaskSuccessCommand({ taskToken: target, output: JSON.stringify(detail.output ?? {}) }));
    else await conn.sfn.send(new SendTaskFailureCommand({ taskToken: target, error: detail.error ?? failureError(ending), ...(detail.cause ? { cause: detail.cause } : {}) }));
    return 'the task';
  }
  if (!conn.local) throw new UsageError('a FHIR Task reference works against the local server only; on a stage, change the Task on the FHIR server (the stage resumes on it) or pass the task token');
  const output = ending === 'completed' ? taskOutputEntries(detail.output ?? {}) : undefined;
  const db = openLocalDatabase(conn.dataDir);
  const key = process.env.CLINFLOW_ENCRYPTION_KEY;
  const store = createCallbackStore(db, key ? { encryptionKey: Buffer.from(key, /^[0-9a-f]{64}$/i.test(key) ? 'hex' : 'base64') } : {});
  const audit = (outcome: string) =>
    auditLocally(conn.dataDir, { action: ending === 'completed' ? 'CompleteHumanTask' : 'FailHumanTask', resource: target, outcome, params: { target, ending, ...detail } });
  try {
    const entry = store.claim(target, Date.now());
    if (!entry) throw new UsageError(`no execution is waiting on ${target}`);
    try {
      const fhirUrl = opts.fhirUrl ?? process.env.CLINFLOW_FHIR_URL ?? (/^https?:\/\//.test(entry.server) ? entry.server : undefined);
      if (!fhirUrl) throw new UsageError("the Task's FHIR server is not known: pass --fhir-url (or set CLINFLOW_FHIR_URL)");
      const fhir = createFhirPortRouter([{ name: 'default', baseUrl: fhirUrl }], { now: Date.now });
      await endFhirTask(fhir, target, ending, { ...(output ? { output } : {}), ...(detail.reason ? { reason: detail.reason } : {}), now: Date.now() });
      if (ending === 'completed') {
        const values = output && output.length > 0 ? { output: outputValues(output) } : {};
        await conn.sfn.send(new SendTaskSuccessCommand({ taskToken: entry.taskToken, output: JSON.stringify({ task: target, status: 'completed', ...values }) }));
      } else {
        await conn.sfn.send(new SendTaskFailureCommand({ taskToken: entry.taskToken, error: failureError(ending), cause: JSON.stringify({ task: target, status: ending }) }));
      }
    } catch (err) {
      store.release(target);
      throw err;
    }
    audit('ok');
    return target;
  } catch (err) {
    audit(err instanceof UsageError ? 'Refused' : ((err as { name?: string }).name ?? 'Error'));
    throw err;
  } finally {
    db.close();
  }
}

export function registerTasks(program: Command, setExit: SetExit): void {
  const cmd = program.command('tasks').description('Human tasks executions wait on: list them, complete or fail them by hand.');
  registerTasksDescribe(cmd, setExit);
  addConnectionOptions(
    cmd
      .command('list')
      .description('waiting human tasks with their FHIR Task and deadline')
      .option('--workflow <name>', 'only this workflow')
      .option('--limit <n>', 'running executions to look at', '200'),
  ).action((opts: ConnectionOptions & { workflow?: string; limit: string }) =>
    runOps(setExit, async () => {
      const rows = await listWaitingTasks(connect(opts), opts.workflow, opts.limit);
      process.stdout.write(opts.json ? toJson(rows) : formatTable(rows as unknown as Record<string, string>[], ['workflow', 'state', 'fhirTask', 'since', 'deadline', 'executionArn']));
    }),
  );
  addConnectionOptions(
    cmd
      .command('complete <taskOrToken>')
      .description('complete a FHIR Task (Task/<id>: marks it completed on its FHIR server with the output, then resumes the waiting execution) or send success for a task token')
      .option('--output <json>', 'the result: {"name": value} (becomes Task.output)', '{}')
      .option('--fhir-url <url>', "the Task's FHIR server (default: the one it was created on, or CLINFLOW_FHIR_URL)"),
  ).action((target: string, opts: EndOptions & { output: string }) =>
    runOps(setExit, async () => {
      let output: unknown;
      try {
        output = JSON.parse(opts.output);
      } catch {
        throw new UsageError('--output must be JSON');
      }
      if (output === null || typeof output !== 'object' || Array.isArray(output)) throw new UsageError('--output must be a JSON object {"name": value}');
      const done = await endTask(opts, target, 'completed', { output: output as Record<string, unknown> });
      process.stdout.write(opts.json ? toJson({ completed: done }) : `completed ${done}\n`);
    }),
  );
  addConnectionOptions(
    cmd
      .command('fail <taskOrToken>')
      .description('end a FHIR Task as failed, rejected or cancelled on its FHIR server and fail the waiting step (HumanTask.*), or send failure for a task token')
      .option('--status <status>', 'failed | rejected | cancelled (Task/<id> only)', 'failed')
      .option('--error <name>', "error name for a task token (a Task reference fails with its status's HumanTask.* name)", 'HumanTask.Rejected')
      .option('--reason <text>', 'Task.statusReason (no PHI)')
      .option('--cause <text>', 'cause for a task token (no PHI)')
      .option('--fhir-url <url>', "the Task's FHIR server (default: the one it was created on, or CLINFLOW_FHIR_URL)"),
  ).action((target: string, opts: EndOptions & { status: string; error: string; reason?: string; cause?: string }) =>
    runOps(setExit, async () => {
      if (!['failed', 'rejected', 'cancelled'].includes(opts.status)) throw new UsageError('--status must be failed, rejected or cancelled');
      const ending = opts.status as Exclude<TaskEnding, 'completed'>;
      const byToken = !TASK_REFERENCE.test(target);
      const done = await endTask(opts, target, ending, { ...(byToken ? { error: opts.error } : {}), ...(opts.cause ? { cause: opts.cause } : {}), ...(opts.reason ? { reason: opts.reason } : {}) });
      const error = byToken ? opts.error : failureError(ending);
      process.stdout.write(opts.json ? toJson({ failed: done, status: byToken ? undefined : ending, error }) : `${byToken ? 'failed' : ending} ${done} (${error})\n`);
    }),
  );
}
