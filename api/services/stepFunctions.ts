import type { Engine } from '../../engine/durable/engine';
import { StepFunctionsError } from '../../engine/durable/apiErrors';
import type { TaskPort } from '../../schemas/taskPort';
import { executionArn as makeExecutionArn, parseExecutionArn, parseStateMachineArn, stateMachineArn as makeStateMachineArn } from '../../engine/durable/names';
import { AwsError } from '../protocol/awsError';
import { ExecutionQuery } from './executionQuery';
import { HistoryPrefetch } from './historyPrefetch';
import { runTestState } from './testState';
import { ResourceTags } from './resourceTags';
import { str, type OperationTable } from './operation';

export interface StepFunctionsDeps {
  engine: Engine;
  /** Real-time waiting for StartSyncExecution (ms); the executions run on the engine's own clock. */
  syncTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The runtime's task functions, which TestState calls for a Task state without a mock. */
  tasks?: TaskPort;
  /** The clock of the prepared history pages' time limit. */
  now?: () => number;
}

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

function executionRow(engine: Engine, arn: unknown) {
  if (typeof arn !== 'string' || arn === '') throw new AwsError('ValidationException', 'executionArn is required');
  const { stateMachineName, name } = parseExecutionArn(arn);
  const sm = engine.store.stateMachineByName(stateMachineName);
  const row = sm && engine.store.executionByName(sm.id, name);
  if (!sm || !row) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  return { sm, row };
}

const byExecution = (kind: 'data' | 'change') => (input: Record<string, unknown>) => ({ kind, ...(str(input.executionArn) ? { resource: str(input.executionArn) } : {}) });

/**
 * Step Functions (awsJson1_0, `AWSStepFunctions.<Operation>`) over the durable engine. The engine
 * already speaks the SDK's shapes; this adds what only the wire API has (versions, aliases, tags,
 * sync executions, TestState, redriveFilter).
 */
export function stepFunctionsOperations(deps: StepFunctionsDeps): OperationTable {
  const { engine } = deps;
  const query = new ExecutionQuery(engine);
  const history = new HistoryPrefetch({
    page: (i) => engine.getExecutionHistory(i as { executionArn: string }),
    exists: (arn) => {
      try {
        executionRow(engine, arn);
        return true;
      } catch {
        return false;
      }
    },
    now: deps.now ?? Date.now,
  });
  const tags = new ResourceTags(engine.db);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const smArnFor = (arn: unknown) => {
    if (typeof arn !== 'string' || arn === '') throw new AwsError('ValidationException', 'stateMachineArn is required');
    const { name } = parseStateMachineArn(arn);
    const sm = engine.store.stateMachineByName(name);
    if (!sm) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return sm;
  };

  return {
    ListStateMachines: { write: false, run: (i) => engine.listStateMachines(i) },
    DescribeStateMachine: { write: false, run: (i) => engine.describeStateMachine(i as { stateMachineArn: string }) },
    DescribeStateMachineForExecution: {
      write: false,
      run: (i) => {
        const { sm, row } = executionRow(engine, i.executionArn);
        const rev = engine.store.revision(row.revision_id);
        if (!rev) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${makeStateMachineArn(sm.name)}'`);
        return {
          stateMachineArn: makeStateMachineArn(sm.name),
          name: sm.name,
          definition: rev.definition,
          roleArn: rev.role_arn,
          updateDate: new Date(rev.created_ms),
          revisionId: String(rev.id),
        };
      },
    },
    ListStateMachineVersions: {
      write: false,
      run: (i) => {
        const sm = smArnFor(i.stateMachineArn);
        const rows = engine.db.prepare('SELECT version, created_ms FROM sfn_revisions WHERE state_machine_id = ? AND version IS NOT NULL ORDER BY version DESC LIMIT 1000').all(sm.id) as {
          version: number;
          created_ms: number;
        }[];
        return { stateMachineVersions: rows.map((r) => ({ stateMachineVersionArn: `${makeStateMachineArn(sm.name)}:${r.version}`, creationDate: new Date(r.created_ms) })) };
      },
    },
    // The local engine has no aliases: every state machine answers with an empty list, as AWS does for one without aliases.
    ListStateMachineAliases: {
      write: false,
      run: (i) => {
        smArnFor(i.stateMachineArn);
        return { stateMachineAliases: [] };
      },
    },
    StartExecution: {
      write: true,
      run: (i) => engine.startExecution(i as never),
      audit: (_i, out) => ({ kind: 'change', resource: (out as { executionArn: string }).executionArn }),
    },
    StartSyncExecution: {
      write: true,
      run: async (i) => {
        const sm = smArnFor(i.stateMachineArn);
        if (sm.type !== 'EXPRESS') throw new AwsError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
        const { executionArn } = await engine.startExecution(i as never);
        const deadline = Date.now() + (deps.syncTimeoutMs ?? 5 * 60_000);
        let d = engine.describeExecution({ executionArn });
        while (!FINAL.has(d.status) && Date.now() < deadline) {
          await sleep(20);
          d = engine.describeExecution({ executionArn });
        }
        const { redriveCount: _c, redriveStatus: _s, inputDetails, outputDetails, stateMachineVersionArn: _v, ...rest } = d;
        const status = FINAL.has(d.status) ? d.status : 'TIMED_OUT';
        return {
          ...rest,
          status,
          ...(inputDetails ? { inputDetails } : {}),
          ...(outputDetails ? { outputDetails } : {}),
          billingDetails: { billedMemoryUsedInMB: 0, billedDurationInMilliseconds: 0 },
        };
      },
      audit: (_i, out) => ({ kind: 'change', resource: (out as { executionArn: string }).executionArn }),
    },
    DescribeExecution: { write: false, run: (i) => engine.describeExecution(i as { executionArn: string }), audit: byExecution('data') },
    ListExecutions: { write: false, run: (i) => query.listExecutions(i) },
    // The journal reads only the chunks a page reaches and builds only the page's events; the next
    // page is prepared while the client reads this one.
    GetExecutionHistory: {
      write: false,
      run: (i) => history.read(i),
      audit: (i) => (i.includeExecutionData === false ? undefined : byExecution('data')(i)),
    },
    StopExecution: { write: true, run: (i) => engine.stopExecution(i as { executionArn: string }), audit: byExecution('change') },
    RedriveExecution: { write: true, run: (i) => engine.redriveExecution(i as { executionArn: string }), audit: byExecution('change') },
    SendTaskSuccess: {
      write: true,
      run: async (i) => {
        await engine.sendTaskSuccess(i as never);
        return {};
      },
      audit: (i) => ({ kind: 'change', ...taskResource(engine, i) }),
    },
    SendTaskFailure: {
      write: true,
      run: async (i) => {
        await engine.sendTaskFailure(i as never);
        return {};
      },
      audit: (i) => ({ kind: 'change', ...taskResource(engine, i) }),
    },
    SendTaskHeartbeat: {
      write: true,
      run: async (i) => {
        await engine.sendTaskHeartbeat(i as never);
        return {};
      },
    },
    TestState: { write: true, run: (i) => runTestState(i, deps.tasks), audit: () => ({ kind: 'data' }) },
    TagResource: {
      write: true,
      run: (i) => {
        tags.tag(resourceOf(engine, i.resourceArn), i.tags);
        return {};
      },
      audit: (i) => ({ kind: 'change', ...(str(i.resourceArn) ? { resource: str(i.resourceArn) } : {}) }),
    },
    UntagResource: {
      write: true,
      run: (i) => {
        tags.untag(resourceOf(engine, i.resourceArn), i.tagKeys);
        return {};
      },
      audit: (i) => ({ kind: 'change', ...(str(i.resourceArn) ? { resource: str(i.resourceArn) } : {}) }),
    },
    ListTagsForResource: { write: false, run: (i) => ({ tags: tags.list(resourceOf(engine, i.resourceArn)) }) },
  };
}

/** Tags exist on state machines (as on AWS; executions carry none). */
function resourceOf(engine: Engine, arn: unknown): string {
  if (typeof arn !== 'string' || arn === '') throw new AwsError('ValidationException', 'resourceArn is required');
  let name: string;
  try {
    name = parseStateMachineArn(arn).name;
  } catch {
    throw new AwsError('InvalidArn', `Invalid Arn: '${arn.slice(0, 200)}'`);
  }
  if (!engine.store.stateMachineByName(name)) throw new AwsError('ResourceNotFound', `Resource not found: '${arn}'`);
  return makeStateMachineArn(name);
}

/** The execution a task token belongs to, for the audit trail (the token itself is never recorded). */
function taskResource(engine: Engine, i: Record<string, unknown>): { resource?: string } {
  const token = str(i.taskToken);
  const row = token === undefined ? undefined : engine.store.token(token);
  const exec = row ? engine.store.execution(row.execution_id) : undefined;
  const sm = exec ? engine.store.stateMachineById(exec.state_machine_id) : undefined;
  return exec && sm ? { resource: makeExecutionArn(sm.name, exec.name) } : {};
}
