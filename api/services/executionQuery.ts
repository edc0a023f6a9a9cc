import { ensureSchema } from '../../core/db/openDatabase';
import type { Engine } from '../../engine/durable/engine';
import { StepFunctionsError } from '../../engine/durable/apiErrors';
import { executionArn as makeExecutionArn, parseStateMachineArn, stateMachineArn as makeStateMachineArn } from '../../engine/durable/names';
import { AwsError } from '../protocol/awsError';
import { ExecutionRefIndex } from './executionRefs';
import { opsSchema } from './opsSchema';

const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

interface Row {
  id: number;
  state_machine_id: number;
  name: string;
  status: string;
  start_ms: number;
  stop_ms: number | null;
  redrive_count: number;
  redrive_ms: number | null;
  version: number | null;
}

/** The keyset cursor: the last execution of the page, by the order of the list (start time, then id). */
interface Cursor {
  s: number;
  c: number;
}

const encodeToken = (row: Row): string => Buffer.from(JSON.stringify({ s: row.start_ms, c: row.id })).toString('base64url');

function decodeToken(token: unknown, startOf: (id: number) => number | undefined): Cursor | undefined {
  if (token === undefined || token === null) return undefined;
  try {
    const { s, c } = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { s?: unknown; c?: unknown };
    if (typeof c === 'number' && Number.isInteger(c)) {
      if (typeof s === 'number' && Number.isInteger(s)) return { s, c };
      // A token of the id-only form (before the list was keyed by start time): its execution's start.
      const start = s === undefined ? startOf(c) : undefined;
      if (start !== undefined) return { s: start, c };
    }
  } catch {
    // fall through
  }
  throw new StepFunctionsError('InvalidToken', 'Invalid pagination token');
}

interface Plan {
  sql: string;
  params: (string | number)[];
  limit: number;
}

/**
 * ListExecutions as AWS defines it (state machine, `statusFilter`, `redriveFilter`, paging, most
 * recent start first), plus clinflow's own filters for the ops commands and the console:
 * `clinflowReference` (a FHIR reference the input named, across every state machine when no ARN is
 * given), `clinflowAllStateMachines` (every state machine), `clinflowStartedAfter` and
 * `clinflowStartedBefore`. `nextToken` is a keyset cursor (start time and id of the page's last
 * execution), so every page is one seek into an index of `engine/durable/journalIndexes.ts`, never
 * an OFFSET; `explain` shows the plan a request gets.
 */
export class ExecutionQuery {
  private readonly refs: ExecutionRefIndex;
  private readonly startOf: (id: number) => number | undefined;

  constructor(private readonly engine: Engine) {
    ensureSchema(engine.db, 'ops', opsSchema);
    this.refs = new ExecutionRefIndex(engine);
    const start = engine.db.prepare('SELECT start_ms FROM sfn_executions WHERE id = ?').pluck();
    this.startOf = (id) => start.get(id) as number | undefined;
  }

  listExecutions(input: Record<string, unknown>): { executions: Record<string, unknown>[]; nextToken?: string } {
    const { sql, params, limit } = this.plan(input);
    if (typeof input.clinflowReference === 'string') this.refs.catchUp();
    const rows = this.engine.db.prepare(sql).all(...params) as Row[];
    const page = rows.slice(0, limit);
    const names = new Map<number, string>();
    const smName = (id: number): string => {
      let n = names.get(id);
      if (n === undefined) {
        n = this.engine.store.stateMachineById(id)?.name ?? `unknown-${id}`;
        names.set(id, n);
      }
      return n;
    };
    const executions = page.map((r) => {
      const sm = smName(r.state_machine_id);
      const e: Record<string, unknown> = {
        executionArn: makeExecutionArn(sm, r.name),
        stateMachineArn: makeStateMachineArn(sm),
        name: r.name,
        status: r.status,
        startDate: new Date(r.start_ms),
        redriveCount: r.redrive_count,
      };
      if (r.stop_ms !== null) e.stopDate = new Date(r.stop_ms);
      if (r.redrive_ms !== null) e.redriveDate = new Date(r.redrive_ms);
      if (r.version !== null) e.stateMachineVersionArn = `${makeStateMachineArn(sm)}:${r.version}`;
      return e;
    });
    const last = page[page.length - 1];
    return rows.length > limit && last ? { executions, nextToken: encodeToken(last) } : { executions };
  }

  /** SQLite's plan for the query a ListExecutions request runs (one line per step). */
  explain(input: Record<string, unknown>): string[] {
    const { sql, params } = this.plan(input);
    return (this.engine.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
  }

  private plan(input: Record<string, unknown>): Plan {
    const where: string[] = [];
    const params: (string | number)[] = [];
    let from = 'sfn_executions e';
    const ref = input.clinflowReference;
    if (typeof input.stateMachineArn === 'string' && input.stateMachineArn !== '') {
      const { name } = parseStateMachineArn(input.stateMachineArn);
      const sm = this.engine.store.stateMachineByName(name);
      if (!sm) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${input.stateMachineArn}'`);
      where.push('e.state_machine_id = ?');
      params.push(sm.id);
    } else if (typeof ref !== 'string' && input.clinflowAllStateMachines !== true) throw new AwsError('ValidationException', 'stateMachineArn is required');
    if (typeof ref === 'string') {
      // CROSS JOIN keeps the reference's few rows as the outer loop: left to itself the planner
      // may walk every execution of the state machine and probe the references for each.
      from = 'ops_execution_refs r CROSS JOIN sfn_executions e ON e.id = r.execution_id';
      where.push('r.ref = ?');
      params.push(ref);
    }
    const status = input.statusFilter;
    if (status !== undefined && status !== null) {
      if (typeof status !== 'string' || !STATUSES.has(status)) throw new AwsError('ValidationException', `statusFilter must be one of ${[...STATUSES].join(', ')}`);
      where.push('e.status = ?');
      params.push(status);
    }
    const redrive = input.redriveFilter;
    if (redrive === 'REDRIVEN') {
      // `> 0` exactly as the partial index states it; named, because with a status filter the
      // planner would otherwise walk every execution of that status to find the few redriven.
      where.push('e.redrive_count > 0');
      if (typeof ref !== 'string') from = 'sfn_executions e INDEXED BY sfn_executions_redriven';
    } else if (redrive === 'NOT_REDRIVEN') where.push('e.redrive_count = 0');
    else if (redrive !== undefined && redrive !== null) throw new AwsError('ValidationException', 'redriveFilter must be REDRIVEN or NOT_REDRIVEN');
    if (typeof input.clinflowStartedAfter === 'number') {
      where.push('e.start_ms >= ?');
      params.push(Math.floor(input.clinflowStartedAfter * 1000));
    }
    if (typeof input.clinflowStartedBefore === 'number') {
      where.push('e.start_ms < ?');
      params.push(Math.floor(input.clinflowStartedBefore * 1000));
    }
    const cursor = decodeToken(input.nextToken, this.startOf);
    if (cursor) {
      // A row value: SQLite seeks the index to the cursor and walks on from there.
      where.push('(e.start_ms, e.id) < (?, ?)');
      params.push(cursor.s, cursor.c);
    }
    const max = input.maxResults;
    if (max !== undefined && max !== null && (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 1000))
      throw new AwsError('ValidationException', 'maxResults must be an integer between 0 and 1000');
    const limit = typeof max === 'number' && max > 0 ? max : 100;
    params.push(limit + 1);
    const sql = `SELECT e.id, e.state_machine_id, e.name, e.status, e.start_ms, e.stop_ms, e.redrive_count, e.redrive_ms, e.version FROM ${from}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY e.start_ms DESC, e.id DESC LIMIT ?`;
    return { sql, params, limit };
  }
}
