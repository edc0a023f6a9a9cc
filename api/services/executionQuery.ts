import { ensureSchema } from '../../engine/db/openDatabase';
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

const encodeToken = (id: number): string => Buffer.from(JSON.stringify({ c: id })).toString('base64url');

function decodeToken(token: unknown): number {
  if (token === undefined || token === null) return Number.MAX_SAFE_INTEGER;
  try {
    const c = (JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { c?: unknown }).c;
    if (typeof c === 'number' && Number.isInteger(c)) return c;
  } catch {
    // fall through
  }
  throw new StepFunctionsError('InvalidToken', 'Invalid pagination token');
}

/**
 * ListExecutions as AWS defines it (state machine, `statusFilter`, `redriveFilter`, paging, newest
 * first), plus clinflow's own filters for the ops commands and the console: `clinflowReference` (a
 * FHIR reference the input named, across every state machine when no ARN is given),
 * `clinflowAllStateMachines` (every state machine, newest first), `clinflowStartedAfter` and
 * `clinflowStartedBefore`.
 */
export class ExecutionQuery {
  private readonly refs: ExecutionRefIndex;

  constructor(private readonly engine: Engine) {
    ensureSchema(engine.db, 'ops', opsSchema);
    this.refs = new ExecutionRefIndex(engine);
  }

  listExecutions(input: Record<string, unknown>): { executions: Record<string, unknown>[]; nextToken?: string } {
    const where: string[] = ['e.id < ?'];
    const params: (string | number)[] = [decodeToken(input.nextToken)];
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
      this.refs.catchUp();
      from = 'ops_execution_refs r JOIN sfn_executions e ON e.id = r.execution_id';
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
    if (redrive === 'REDRIVEN') where.push('e.redrive_count > 0');
    else if (redrive === 'NOT_REDRIVEN') where.push('e.redrive_count = 0');
    else if (redrive !== undefined && redrive !== null) throw new AwsError('ValidationException', 'redriveFilter must be REDRIVEN or NOT_REDRIVEN');
    if (typeof input.clinflowStartedAfter === 'number') {
      where.push('e.start_ms >= ?');
      params.push(Math.floor(input.clinflowStartedAfter * 1000));
    }
    if (typeof input.clinflowStartedBefore === 'number') {
      where.push('e.start_ms < ?');
      params.push(Math.floor(input.clinflowStartedBefore * 1000));
    }
    const max = input.maxResults;
    if (max !== undefined && max !== null && (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 1000)) throw new AwsError('ValidationException', 'maxResults must be an integer between 0 and 1000');
    const limit = typeof max === 'number' && max > 0 ? max : 100;
    const sql = `SELECT e.id, e.state_machine_id, e.name, e.status, e.start_ms, e.stop_ms, e.redrive_count, e.redrive_ms, e.version FROM ${from} WHERE ${where.join(' AND ')} ORDER BY e.id DESC LIMIT ?`;
    const rows = this.engine.db.prepare(sql).all(...params, limit + 1) as Row[];
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
    return rows.length > limit && last ? { executions, nextToken: encodeToken(last.id) } : { executions };
  }
}
