import type { Command } from 'commander';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  StopExecutionCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { referencesIn } from '../../../api/services/executionRefs';
import { keyNamePrefix } from '../../../tasks/correlation/correlationNames';
import type { SetExit } from '../registry';
import { addConnectionOptions, connect, type Connection, type ConnectionOptions } from './opsConnection';
import { formatRecord, formatTable, parseSince, show, toJson } from './output';
import { runOps } from './runOps';
import { UsageError } from '../../usageError';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

interface ListOptions extends ConnectionOptions {
  workflow?: string;
  status?: string;
  since?: string;
  key?: string;
  limit: string;
}

/** Adds clinflow's own ListExecutions fields to the request body (the local server's search by FHIR reference). */
function withExtensions(cmd: ListExecutionsCommand, fields: Record<string, unknown>): ListExecutionsCommand {
  cmd.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body?: unknown; headers?: Record<string, string> };
      // The SDK serialises JSON bodies to bytes (or, in older versions, a string). The bytes are a
      // Uint8Array subclass that warns (and will throw) when used as a string, which Buffer.from(it)
      // does through valueOf(): decode the bytes themselves.
      const text = typeof req.body === 'string' ? req.body : req.body instanceof Uint8Array ? new TextDecoder().decode(req.body) : undefined;
      if (text !== undefined) {
        const body = JSON.stringify({ ...(JSON.parse(text) as object), ...fields });
        req.body = body;
        if (req.headers?.['content-length'] !== undefined) req.headers['content-length'] = String(Buffer.byteLength(body));
      }
      return next(args);
    },
    { step: 'build', name: 'clinflowListExtensions' },
  );
  return cmd;
}

async function stateMachineArns(sfn: SFNClient, name?: string): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ maxResults: 1000, ...(nextToken ? { nextToken } : {}) }));
    for (const m of page.stateMachines ?? []) if (name === undefined || m.name === name) out.push(m.stateMachineArn ?? '');
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
}

/**
 * Executions newest first, across workflows unless one is named. `--key REF` finds the runs a FHIR
 * reference started and the runs keyed by it (`correlation.key`): the local server answers from its
 * index. On AWS a keyed run is known by its name (`ck-<sha256(key)>-…`, see correlationNames.ts),
 * any other run by reading its input (DescribeExecution), bounded by the page size.
 */
export async function listExecutions(conn: Connection, opts: Omit<ListOptions, keyof ConnectionOptions>): Promise<ExecutionListItem[]> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
  if (opts.status !== undefined && !STATUSES.includes(opts.status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
  if (opts.key !== undefined && !/^[^\s]{1,256}$/.test(opts.key))
    throw new UsageError('--key must be a FHIR reference such as MedicationRequest/123, or a correlation key (no spaces, at most 256 characters)');
  let since: number | undefined;
  try {
    since = opts.since === undefined ? undefined : parseSince(opts.since);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const machines = await stateMachineArns(conn.sfn, opts.workflow === undefined ? undefined : conn.stateMachineName(opts.workflow));
  if (opts.workflow !== undefined && machines.length === 0) throw new UsageError(`no workflow ${opts.workflow} (state machine ${conn.stateMachineName(opts.workflow)})`);
  const status = opts.status as ExecutionStatus | undefined;
  if (opts.key !== undefined && conn.local) {
    const cmd = new ListExecutionsCommand({ ...(machines.length === 1 && opts.workflow ? { stateMachineArn: machines[0] } : {}), maxResults: limit, ...(status ? { statusFilter: status } : {}) });
    const page = await conn.sfn.send(withExtensions(cmd, { clinflowReference: opts.key, ...(since === undefined ? {} : { clinflowStartedAfter: since / 1000 }) }));
    return page.executions ?? [];
  }
  const all: ExecutionListItem[] = [];
  for (const stateMachineArn of machines) {
    let nextToken: string | undefined;
    let taken = 0;
    do {
      const page = await conn.sfn.send(
        new ListExecutionsCommand({ stateMachineArn, maxResults: Math.min(limit, 1000), ...(status ? { statusFilter: status } : {}), ...(nextToken ? { nextToken } : {}) }),
      );
      nextToken = page.nextToken;
      for (const e of page.executions ?? []) {
        if (since !== undefined && (e.startDate?.getTime() ?? 0) < since) {
          nextToken = undefined;
          break;
        }
        if (opts.key !== undefined && !(e.name ?? '').startsWith(keyNamePrefix(opts.key))) {
          const d = await conn.sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
          let input: unknown;
          try {
            input = JSON.parse(d.input ?? 'null');
          } catch {
            input = undefined;
          }
          if (!referencesIn(input).includes(opts.key)) continue;
        }
        all.push(e);
        taken += 1;
      }
    } while (nextToken && taken < limit);
  }
  return all.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0)).slice(0, limit);
}

const workflowOf = (arn = ''): string => arn.split(':')[6] ?? '';

export function registerExecutions(program: Command, setExit: SetExit): void {
  const cmd = program.command('executions').description('List, inspect, stop and redrive workflow executions (local server or a deployed stage).');
  addConnectionOptions(
    cmd
      .command('list')
      .description('executions, newest first')
      .option('--workflow <name>', 'only this workflow')
      .option('--status <status>', STATUSES.join('|'))
      .option('--since <time>', 'started at or after: ISO 8601 or 2h, 30m, 7d')
      .option('--key <reference>', 'started for this FHIR reference, e.g. MedicationRequest/123')
      .option('--limit <n>', 'at most n executions', '50'),
  ).action((opts: ListOptions) =>
    runOps(setExit, async () => {
      const conn = connect(opts);
      const items = await listExecutions(conn, opts);
      if (opts.json) process.stdout.write(toJson(items));
      else
        process.stdout.write(
          formatTable(
            items.map((e) => ({
              workflow: workflowOf(e.stateMachineArn),
              name: e.name,
              status: e.status,
              started: e.startDate?.toISOString(),
              stopped: e.stopDate?.toISOString(),
              redrives: e.redriveCount,
              arn: e.executionArn,
            })),
            ['workflow', 'name', 'status', 'started', 'stopped', 'redrives', 'arn'],
          ),
        );
    }),
  );
  addConnectionOptions(cmd.command('describe <executionArn>').description('status, dates, input and output of one execution')).action((arn: string, opts: ConnectionOptions) =>
    runOps(setExit, async () => {
      const { $metadata: _m, ...d } = await connect(opts).sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      process.stdout.write(opts.json ? toJson(d) : formatRecord(d));
    }),
  );
  addConnectionOptions(
    cmd
      .command('history <executionArn>')
      .description('the execution history, oldest first')
      .option('--reverse', 'newest first')
      .option('--no-data', 'leave out inputs and outputs')
      .option('--limit <n>', 'at most n events', '1000'),
  ).action((arn: string, opts: ConnectionOptions & { reverse?: boolean; data: boolean; limit: string }) =>
    runOps(setExit, async () => {
      const sfn = connect(opts).sfn;
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
      const events: Record<string, unknown>[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: arn,
            maxResults: Math.min(1000, limit - events.length),
            reverseOrder: opts.reverse === true,
            includeExecutionData: opts.data,
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        events.push(...((page.events ?? []) as unknown as Record<string, unknown>[]));
        nextToken = page.nextToken;
      } while (nextToken && events.length < limit);
      if (opts.json) {
        process.stdout.write(toJson(events));
        return;
      }
      const detail = (e: Record<string, unknown>): string => {
        const d = Object.entries(e).find(([k]) => k.endsWith('EventDetails'))?.[1] as Record<string, unknown> | undefined;
        if (!d) return '';
        return [d.name, d.error, d.resource]
          .filter((x) => x !== undefined)
          .map(show)
          .join(' ');
      };
      process.stdout.write(
        formatTable(
          events.map((e) => ({ id: e.id as number, time: show(e.timestamp), type: e.type as string, detail: detail(e) })),
          ['id', 'time', 'type', 'detail'],
        ),
      );
    }),
  );
  addConnectionOptions(
    cmd.command('stop <executionArn>').description('stop a running execution').option('--error <name>', 'error name recorded').option('--cause <text>', 'cause recorded (no PHI)'),
  ).action((arn: string, opts: ConnectionOptions & { error?: string; cause?: string }) =>
    runOps(setExit, async () => {
      const out = await connect(opts).sfn.send(new StopExecutionCommand({ executionArn: arn, ...(opts.error ? { error: opts.error } : {}), ...(opts.cause ? { cause: opts.cause } : {}) }));
      process.stdout.write(opts.json ? toJson({ executionArn: arn, stopDate: out.stopDate }) : `stopped ${arn} at ${show(out.stopDate)}\n`);
    }),
  );
  addConnectionOptions(
    cmd
      .command('redrive [executionArn]')
      .description('redrive a failed, timed-out or aborted execution (or every one of a workflow with --workflow)')
      .option('--workflow <name>', 'redrive every redrivable execution of this workflow')
      .option('--status <status>', 'with --workflow: FAILED (default), TIMED_OUT or ABORTED', 'FAILED')
      .option('--limit <n>', 'with --workflow: at most n', '100'),
  ).action((arn: string | undefined, opts: ConnectionOptions & { workflow?: string; status: string; limit: string }) =>
    runOps(setExit, async () => {
      const conn = connect(opts);
      if ((arn === undefined) === (opts.workflow === undefined)) throw new UsageError('give an execution ARN or --workflow');
      const arns = arn !== undefined ? [arn] : (await listExecutions(conn, { workflow: opts.workflow ?? '', status: opts.status, limit: opts.limit })).map((e) => e.executionArn ?? '');
      const results: { executionArn: string; redriveDate?: Date; error?: string }[] = [];
      for (const a of arns) {
        try {
          const out = await conn.sfn.send(new RedriveExecutionCommand({ executionArn: a }));
          results.push({ executionArn: a, ...(out.redriveDate ? { redriveDate: out.redriveDate } : {}) });
        } catch (err) {
          results.push({ executionArn: a, error: `${(err as Error).name}: ${(err as Error).message}` });
        }
      }
      if (opts.json) process.stdout.write(toJson(results));
      else for (const r of results) process.stdout.write(r.error ? `not redriven ${r.executionArn}: ${r.error}\n` : `redriven ${r.executionArn} at ${show(r.redriveDate)}\n`);
      return results.some((r) => r.error) ? 1 : 0;
    }),
  );
}
