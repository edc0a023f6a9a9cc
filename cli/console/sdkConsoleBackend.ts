import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListStateMachineVersionsCommand,
  RedriveExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type {
  ConsoleBackend,
  DeadLetter,
  ExecutionDetail,
  ExecutionFilter,
  ExecutionItem,
  ExecutionPage,
  ExecutionStatus,
  HealthReport,
  HistoryItem,
  PendingReminder,
  RevealedData,
  TaskResult,
  WaitingTask,
  WorkflowSummary,
} from '../../console/consoleBackend';
import { listReminders } from '../commands/ops/remindersCommand';
import { listWaitingTasks } from '../commands/ops/tasksCommand';
import type { Connection } from '../commands/ops/opsConnection';
import { stepStatusFrom } from './stepStatus';

/** What only the local server has: indexed search, dead letters, task callbacks, health, counts. */
export interface LocalExtras {
  /** ListExecutions with clinflow's extension fields (all machines, time range, FHIR reference). */
  listExecutions(input: Record<string, unknown>): { executions: Record<string, unknown>[]; nextToken?: string };
  findByCorrelationKey(key: string): string[];
  countsByStatus(stateMachineName: string): Partial<Record<ExecutionStatus, number>>;
  workflowSource(workflow: string): { file: string; text: string } | undefined;
  waitingTaskOf(executionArn: string): string | undefined;
  completeTask(fhirTask: string, result: TaskResult): Promise<void>;
  ordersOfPatient(patient: string): Promise<Set<string>>;
  deadLetters(): DeadLetter[];
  redriveDeadLetter(source: 'bus' | 'scheduler', id: number): Promise<void>;
  health(): HealthReport;
  marker(): string;
}

const workflowOf = (stateMachineArn = ''): string => (stateMachineArn.split(':')[6] ?? '').replace(/^clinflow-/, '');
const ms = (d: unknown): number | undefined => (d instanceof Date ? d.getTime() : typeof d === 'number' ? d * 1000 : undefined);
const HISTORY_LIMIT = 2000;

function toItem(e: Record<string, unknown>): ExecutionItem {
  const stop = ms(e.stopDate);
  return {
    executionArn: String(e.executionArn),
    workflow: workflowOf(String(e.stateMachineArn)),
    name: String(e.name),
    status: String(e.status),
    startMs: ms(e.startDate) ?? 0,
    ...(stop === undefined ? {} : { stopMs: stop }),
    redriveCount: Number(e.redriveCount ?? 0),
  };
}

const DATA_EVENT = /(StateEntered|StateExited|ExecutionStarted|ExecutionSucceeded|TaskSucceeded|TaskScheduled)$/;

function toHistoryItem(e: HistoryEvent): HistoryItem {
  const details = Object.entries(e).find(([k]) => k.endsWith('EventDetails'))?.[1] as Record<string, unknown> | undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const state = str(details?.name);
  const error = str(details?.error);
  const cause = str(details?.cause);
  const resource = str(details?.resource) !== undefined ? `${str(details?.resourceType) ?? ''}:${str(details?.resource)}` : undefined;
  return {
    id: Number(e.id),
    ...(e.previousEventId ? { previousId: Number(e.previousEventId) } : {}),
    type: String(e.type),
    timestampMs: ms(e.timestamp) ?? 0,
    ...(state ? { state } : {}),
    ...(error ? { error } : {}),
    ...(cause ? { cause } : {}),
    ...(resource ? { resource } : {}),
    hasData: DATA_EVENT.test(String(e.type)),
  };
}

/** A history event's input and output text, whatever its kind. */
function dataOf(e: HistoryEvent): RevealedData {
  const d = (Object.entries(e).find(([k]) => k.endsWith('EventDetails'))?.[1] ?? {}) as Record<string, unknown>;
  const pick = (...keys: string[]): string | undefined => keys.map((k) => d[k]).find((v): v is string => typeof v === 'string');
  const input = pick('input', 'parameters');
  const output = pick('output');
  return { ...(input === undefined ? {} : { input }), ...(output === undefined ? {} : { output }) };
}

function escalationOf(sinceMs: number, deadlineMs: number | undefined, now: number): WaitingTask['escalation'] {
  if (deadlineMs === undefined) return 'no-deadline';
  if (now >= deadlineMs) return 'overdue';
  return now >= deadlineMs - (deadlineMs - sinceMs) / 4 ? 'due-soon' : 'on-time';
}

/**
 * The console's backend over the Step Functions and Scheduler SDK clients of an ops `Connection`:
 * a deployed stage's, or (with `local`) the in-process one of `clinflow dev`, which adds what only
 * the local server has.
 */
export function sdkConsoleBackend(conn: Connection, local?: LocalExtras, now: () => number = Date.now): ConsoleBackend {
  const sfn = conn.sfn;
  async function machines(): Promise<{ name: string; arn: string }[]> {
    const out: { name: string; arn: string }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListStateMachinesCommand({ maxResults: 1000, ...(nextToken ? { nextToken } : {}) }));
      for (const m of page.stateMachines ?? []) if (m.name && m.stateMachineArn) out.push({ name: m.name, arn: m.stateMachineArn });
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }
  const arnOf = async (workflow: string): Promise<string> => {
    const name = conn.stateMachineName(workflow);
    const m = (await machines()).find((x) => x.name === name);
    if (!m) throw new Error(`no workflow ${workflow} (state machine ${name})`);
    return m.arn;
  };

  async function historyOf(arn: string, includeData: boolean): Promise<{ events: HistoryEvent[]; truncated: boolean }> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, includeExecutionData: includeData, ...(nextToken ? { nextToken } : {}) }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken && events.length < HISTORY_LIMIT);
    return { events, truncated: nextToken !== undefined };
  }

  return {
    mode: local ? 'local' : 'aws',
    async listWorkflows() {
      const out: WorkflowSummary[] = [];
      for (const m of await machines()) {
        const versions = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: m.arn, maxResults: 100 })).catch(() => ({ stateMachineVersions: [] }));
        const d = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: m.arn }));
        const workflow = workflowOf(m.arn);
        const source = local?.workflowSource(workflow);
        const updated = ms(d.creationDate);
        out.push({
          workflow,
          stateMachineArn: m.arn,
          versions: (versions.stateMachineVersions ?? []).map((v) => ({ version: Number((v.stateMachineVersionArn ?? '').split(':').pop()), createdMs: ms(v.creationDate) ?? 0 })),
          ...(source ? { source } : {}),
          ...(updated === undefined ? {} : { updatedMs: updated }),
        });
      }
      return out.sort((a, b) => a.workflow.localeCompare(b.workflow));
    },
    async countsByStatus(workflow) {
      if (local) return local.countsByStatus(conn.stateMachineName(workflow));
      // AWS has no count: the first 1000 of each status, marked approximate past that.
      const arn = await arnOf(workflow);
      const out: Partial<Record<ExecutionStatus, number>> & { approximate?: boolean } = {};
      for (const status of ['RUNNING', 'FAILED', 'SUCCEEDED', 'TIMED_OUT', 'ABORTED'] as const) {
        const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: status, maxResults: 1000 }));
        out[status] = page.executions?.length ?? 0;
        if (page.nextToken) out.approximate = true;
      }
      return out;
    },
    async listExecutions(f: ExecutionFilter): Promise<ExecutionPage> {
      if (local) {
        if (f.key !== undefined && !/^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/.test(f.key)) {
          // Not a FHIR reference: a correlation key (the business key an execution runs for).
          const arns = local.findByCorrelationKey(f.key);
          const items: ExecutionItem[] = [];
          for (const arn of arns.slice(0, f.limit)) {
            const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
            const item = toItem(d as unknown as Record<string, unknown>);
            if ((f.status === undefined || item.status === f.status) && (f.workflow === undefined || item.workflow === f.workflow)) items.push(item);
          }
          return { items };
        }
        const page = local.listExecutions({
          ...(f.workflow !== undefined ? { stateMachineArn: await arnOf(f.workflow) } : { clinflowAllStateMachines: true }),
          ...(f.status ? { statusFilter: f.status } : {}),
          ...(f.key !== undefined ? { clinflowReference: f.key } : {}),
          ...(f.sinceMs !== undefined ? { clinflowStartedAfter: f.sinceMs / 1000 } : {}),
          ...(f.untilMs !== undefined ? { clinflowStartedBefore: f.untilMs / 1000 } : {}),
          ...(f.cursor ? { nextToken: f.cursor } : {}),
          maxResults: f.limit,
        });
        return { items: page.executions.map(toItem), ...(page.nextToken ? { nextCursor: page.nextToken } : {}) };
      }
      // AWS: one state machine per page (ListExecutions needs one); the cursor carries which.
      const all = f.workflow !== undefined ? [await arnOf(f.workflow)] : (await machines()).map((m) => m.arn);
      const [index, token] = f.cursor ? (JSON.parse(Buffer.from(f.cursor, 'base64url').toString('utf8')) as [number, string | undefined]) : [0, undefined];
      const items: ExecutionItem[] = [];
      let i = index;
      let next: string | undefined = token;
      while (i < all.length && items.length < f.limit) {
        const page = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn: all[i], maxResults: f.limit - items.length, ...(f.status ? { statusFilter: f.status } : {}), ...(next ? { nextToken: next } : {}) }),
        );
        for (const e of page.executions ?? []) {
          const item = toItem(e as unknown as Record<string, unknown>);
          if ((f.sinceMs === undefined || item.startMs >= f.sinceMs) && (f.untilMs === undefined || item.startMs < f.untilMs)) items.push(item);
        }
        next = page.nextToken;
        if (!next) i += 1;
      }
      const more = i < all.length;
      return { items, ...(more ? { nextCursor: Buffer.from(JSON.stringify([i, next])).toString('base64url') } : {}) };
    },
    async describeExecution(arn) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      const { events, truncated } = await historyOf(arn, false);
      const history = events.map(toHistoryItem);
      const stop = ms(d.stopDate);
      const waiting = d.status === 'RUNNING' ? local?.waitingTaskOf(arn) : undefined;
      const failure = [...history].reverse().find((h) => h.error !== undefined);
      const error = d.error ?? failure?.error;
      const cause = d.cause ?? failure?.cause;
      const detail: ExecutionDetail = {
        executionArn: arn,
        stateMachineArn: d.stateMachineArn ?? '',
        workflow: workflowOf(d.stateMachineArn),
        name: d.name ?? '',
        status: d.status ?? '',
        startMs: ms(d.startDate) ?? 0,
        ...(stop === undefined ? {} : { stopMs: stop }),
        redriveCount: d.redriveCount ?? 0,
        ...(d.redriveStatus ? { redriveStatus: d.redriveStatus } : {}),
        ...(error ? { error } : {}),
        ...(cause ? { cause } : {}),
        stepStatus: stepStatusFrom(history, d.status ?? ''),
        history,
        historyTruncated: truncated,
        ...(waiting ? { waitingTask: waiting } : {}),
      };
      return detail;
    },
    async revealData(arn, eventId) {
      if (eventId === undefined) {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        return { ...(d.input !== undefined ? { input: d.input } : {}), ...(d.output !== undefined ? { output: d.output } : {}) };
      }
      const { events } = await historyOf(arn, true);
      const e = events.find((x) => Number(x.id) === eventId);
      if (!e) throw new Error(`the execution has no event ${eventId}`);
      return dataOf(e);
    },
    async stop(arn, error, cause) {
      await sfn.send(new StopExecutionCommand({ executionArn: arn, ...(error ? { error } : {}), ...(cause ? { cause } : {}) }));
    },
    async redrive(arn) {
      await sfn.send(new RedriveExecutionCommand({ executionArn: arn }));
    },
    async completeTask(fhirTask, result) {
      if (!local) throw new Error('completing a task by its FHIR Task works against the local server; on AWS, complete the FHIR Task in the EHR (that resumes the execution)');
      await local.completeTask(fhirTask, result);
    },
    async listTasks() {
      const rows = await listWaitingTasks(conn, undefined, '500');
      const t = now();
      return rows.map((r): WaitingTask => {
        const sinceMs = Date.parse(r.since);
        const deadlineMs = r.deadline ? Date.parse(r.deadline) : undefined;
        return {
          executionArn: r.executionArn,
          workflow: r.workflow.replace(/^clinflow-/, ''),
          state: r.state,
          sinceMs,
          ...(deadlineMs === undefined ? {} : { deadlineMs }),
          ...(r.fhirTask ? { fhirTask: r.fhirTask } : {}),
          escalation: escalationOf(sinceMs, deadlineMs, t),
        };
      });
    },
    async listReminders(q) {
      let orders: Set<string>;
      if (q.order) orders = new Set([q.order]);
      else if (q.patient && local) orders = await local.ordersOfPatient(q.patient);
      else if (q.patient) throw new Error("finding a patient's orders needs the FHIR server; search by order on AWS");
      else orders = new Set();
      const rows = await listReminders(conn, orders);
      return rows.map((r): PendingReminder => ({
        order: r.order,
        slot: r.slot,
        atMs: Date.parse(r.at),
        timeZone: r.timeZone,
        schedule: r.schedule,
        state: r.state,
        policy: r.policyVersion ? `reminder policy v${r.policyVersion} (schedule group ${conn.reminderGroup})` : `schedule group ${conn.reminderGroup}`,
      }));
    },
    async listDeadLetters() {
      if (!local) throw new Error("a stage's dead letters are in its SQS DLQ: open it in the SQS console");
      return local.deadLetters();
    },
    async redriveDeadLetter(source, id) {
      if (!local) throw new Error("a stage's dead letters are in its SQS DLQ: redrive them from the SQS console");
      await local.redriveDeadLetter(source, id);
    },
    async health(): Promise<HealthReport> {
      if (local) return local.health();
      await sfn.send(new ListStateMachinesCommand({ maxResults: 1 }));
      return { ready: true, checks: { 'Step Functions API reachable': true }, metrics: [] };
    },
    async changeMarker() {
      if (local) return local.marker();
      const m = (await machines())[0];
      if (!m) return '';
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: m.arn, maxResults: 5 }));
      return (page.executions ?? []).map((e) => `${e.name}:${e.status}`).join(',');
    },
  };
}
