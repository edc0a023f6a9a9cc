import { readPath } from '../../engine/asl/jsonpath';
import { applyPayloadTemplate } from '../../engine/asl/payloadTemplate';
import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { Engine } from '../../engine/durable/engine';
import { errorMatches } from '../../engine/interpreter/retryPolicy';
import type { TaskInvocation, TaskOutcome, TaskPort } from '../../schemas/taskPort';
import { AwsError } from '../protocol/awsError';

const TESTABLE = new Set(['Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Task']);
const END = '__TestStateEnd';
const LEVELS = new Set(['INFO', 'DEBUG', 'TRACE']);

/** The state names a state can go to next (Next, Choice targets, Catch targets). */
function targets(state: Record<string, unknown>): string[] {
  const out = new Set<string>();
  if (typeof state.Next === 'string') out.add(state.Next);
  if (typeof state.Default === 'string') out.add(state.Default);
  for (const c of (Array.isArray(state.Choices) ? state.Choices : []) as { Next?: unknown }[]) if (typeof c.Next === 'string') out.add(c.Next);
  for (const c of (Array.isArray(state.Catch) ? state.Catch : []) as { Next?: unknown }[]) if (typeof c.Next === 'string') out.add(c.Next);
  return [...out];
}

interface Mock {
  result?: string;
  errorOutput?: { error?: string; cause?: string };
}

/** AWS's MockInput: `result` (a JSON string) or `errorOutput`, one of them, on Task states only. */
function readMock(input: Record<string, unknown>, state: Record<string, unknown>): Mock | undefined {
  const mock = input.mock as Mock | undefined | null;
  if (mock === undefined || mock === null) return undefined;
  if (typeof mock !== 'object') throw new AwsError('ValidationException', 'mock must be an object with result or errorOutput');
  if ((mock.result === undefined) === (mock.errorOutput === undefined)) throw new AwsError('ValidationException', 'mock takes exactly one of result and errorOutput');
  if (state.Type !== 'Task') throw new AwsError('ValidationException', `mock is only supported for Task states (this state is ${String(state.Type)})`);
  if (mock.result !== undefined) {
    if (typeof mock.result !== 'string') throw new AwsError('ValidationException', 'mock.result must be a JSON string');
    try {
      JSON.parse(mock.result);
    } catch {
      throw new AwsError('ValidationException', 'mock.result is not valid JSON');
    }
  }
  return mock;
}

const isCallback = (resource: unknown): boolean => typeof resource === 'string' && resource.endsWith('.waitForTaskToken');
const isLambdaInvoke = (resource: unknown): boolean => typeof resource === 'string' && /^arn:aws[\w-]*:states:::lambda:invoke$/.test(resource);

/**
 * The task port a tested Task state calls: the mock when one is given (a `lambda:invoke` mock is
 * the API's response, whose `Payload` the interpreter wraps again), else the runtime's own task
 * functions (as AWS invokes the real resource), else none: the Task then fails as one whose
 * resource cannot be invoked does. A callback task's token is kept for its mocked SendTask*.
 */
function testTaskPort(state: Record<string, unknown>, mock: Mock | undefined, tasks: TaskPort | undefined, tokens: string[]): TaskPort {
  return {
    invoke: async (i: TaskInvocation): Promise<TaskOutcome> => {
      if (i.taskToken !== undefined) {
        tokens.push(i.taskToken);
        return { ok: true, output: null };
      }
      if (mock?.errorOutput) return { ok: false, error: mock.errorOutput.error ?? 'States.TaskFailed', ...(mock.errorOutput.cause === undefined ? {} : { cause: mock.errorOutput.cause }) };
      if (mock?.result !== undefined) {
        const result = JSON.parse(mock.result) as unknown;
        return { ok: true, output: isLambdaInvoke(state.Resource) && result !== null && typeof result === 'object' && 'Payload' in result ? result.Payload : result };
      }
      if (tasks) return tasks.invoke(i);
      return { ok: false, error: 'States.TaskFailed', cause: `No task function is available for ${String(i.resource)} here` };
    },
  };
}

type HistoryEvent = { type: string; [k: string]: unknown };
const details = <T>(e: HistoryEvent | undefined, key: string): T | undefined => e?.[key] as T | undefined;
/** The details of the first Task… or LambdaFunction… event (a Lambda ARN resource journals the latter, as AWS does) of a kind. */
function taskEvent<T>(history: readonly HistoryEvent[], ...kinds: string[]): T | undefined {
  for (const e of history) {
    for (const prefix of ['Task', 'LambdaFunction']) {
      const kind = kinds.find((k) => e.type === `${prefix}${k}`);
      if (kind) return e[`${prefix === 'Task' ? 'task' : 'lambdaFunction'}${kind}EventDetails`] as T | undefined;
    }
  }
  return undefined;
}

/**
 * `inspectionData` for DEBUG and TRACE (AWS's InspectionData): the raw input, the input after
 * InputPath and Parameters (JSONPath) or Arguments (JSONata), the raw result, the result after
 * ResultSelector and after ResultPath. TRACE adds the HTTP request and response of an HTTP Task,
 * which the local engine does not run, so it shows the same as DEBUG.
 */
function inspection(state: Record<string, unknown>, jsonata: boolean, history: readonly HistoryEvent[], output: string | undefined): Record<string, unknown> {
  const entered = history.find((e) => e.type.endsWith('StateEntered') && details<{ name?: string }>(e, 'stateEnteredEventDetails')?.name === END);
  const input = details<{ input?: string }>(entered, 'stateEnteredEventDetails')?.input ?? '{}';
  const out: Record<string, unknown> = { input };
  const sched = taskEvent<{ parameters?: string; input?: string }>(history, 'Scheduled');
  const scheduled = sched?.parameters ?? sched?.input;
  const succeeded = taskEvent<{ output?: string }>(history, 'Succeeded')?.output;
  if (jsonata) {
    if (scheduled !== undefined) out.afterArguments = scheduled;
    if (succeeded !== undefined) out.result = succeeded;
    return out;
  }
  let afterInputPath: unknown = JSON.parse(input) as unknown;
  try {
    if (typeof state.InputPath === 'string') afterInputPath = readPath(afterInputPath, state.InputPath);
    else if (state.InputPath === null) afterInputPath = {};
  } catch {
    // the run itself reports a bad path
  }
  out.afterInputPath = JSON.stringify(afterInputPath);
  if (state.Type === 'Task' || state.Parameters !== undefined) out.afterParameters = scheduled ?? JSON.stringify(afterInputPath);
  if (succeeded !== undefined) {
    out.result = succeeded;
    let selected: unknown = JSON.parse(succeeded) as unknown;
    if (state.ResultSelector !== undefined) {
      try {
        selected = applyPayloadTemplate(state.ResultSelector, { input: selected, context: {}, variables: {} }, { newId: () => '', random: () => 0 });
      } catch {
        // the run itself reports a bad selector
      }
    }
    out.afterResultSelector = JSON.stringify(selected);
    if (output !== undefined) out.afterResultPath = output;
  }
  return out;
}

/**
 * TestState as AWS runs it (https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html):
 * one state, with an input, in isolation, on a throwaway in-memory engine whose successors are
 * no-op Pass states, so the output is the state's own and `nextState` is where it would go. Task
 * states call the runtime's task functions, or honour `mock.result` / `mock.errorOutput`
 * (callback tasks need a mock, as on AWS). A failure that one of the state's retriers would retry
 * (`stateConfiguration.retrierRetryCount` retries already made) is RETRIABLE; one a Catch takes is
 * CAUGHT_ERROR with the catcher as `nextState`. `inspectionLevel` DEBUG/TRACE adds `inspectionData`.
 */
export async function runTestState(input: Record<string, unknown>, tasks?: TaskPort): Promise<Record<string, unknown>> {
  if (typeof input.definition !== 'string') throw new AwsError('ValidationException', 'definition is required');
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(input.definition) as Record<string, unknown>;
  } catch {
    throw new AwsError('InvalidDefinition', 'Invalid State Machine Definition: the state is not valid JSON');
  }
  const level = input.inspectionLevel ?? 'INFO';
  if (typeof level !== 'string' || !LEVELS.has(level)) throw new AwsError('ValidationException', 'inspectionLevel must be INFO, DEBUG or TRACE');
  // A whole state machine with stateName, or one state.
  let state = parsed;
  let queryLanguage = parsed.QueryLanguage;
  if (parsed.States !== undefined && typeof parsed.States === 'object' && parsed.States !== null) {
    const name = typeof input.stateName === 'string' ? input.stateName : undefined;
    const chosen = name === undefined ? undefined : (parsed.States as Record<string, unknown>)[name];
    if (chosen === undefined || chosen === null || typeof chosen !== 'object')
      throw new AwsError('ValidationException', name === undefined ? 'stateName is required when the definition is a state machine' : `stateName ${name} is not a state of the definition`);
    state = chosen as Record<string, unknown>;
    queryLanguage = state.QueryLanguage ?? parsed.QueryLanguage;
  }
  if (state === null || typeof state !== 'object' || !TESTABLE.has(String(state.Type)))
    throw new AwsError('InvalidDefinition', `Invalid State Machine Definition: TestState supports ${[...TESTABLE].join(', ')} states`);
  const mock = readMock(input, state);
  if (isCallback(state.Resource) && !mock) throw new AwsError('ValidationException', 'A .waitForTaskToken Task can only be tested with a mock (mock.result or mock.errorOutput)');
  const retryCount = Number((input.stateConfiguration as { retrierRetryCount?: unknown } | undefined)?.retrierRetryCount ?? 0);
  // The engine runs the state once: whether a retrier would retry is decided below, from the error.
  const { Retry: retriers, ...once } = state;
  const states: Record<string, unknown> = { [END]: { ...once, ...(queryLanguage === undefined ? {} : { QueryLanguage: queryLanguage }) } };
  for (const t of targets(state)) states[t] = { Type: 'Pass', End: true };
  const tokens: string[] = [];
  const engine = new Engine({ database: ':memory:', clock: new SimulatedClock(Date.now()), ids: sequentialIds(), tasks: testTaskPort(state, mock, tasks, tokens) });
  try {
    const { stateMachineArn } = engine.createStateMachine({ name: 'test-state', definition: JSON.stringify({ StartAt: END, States: states }) });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: typeof input.input === 'string' ? input.input : '{}' });
    await engine.runUntilIdle();
    // A callback task's mocked SendTaskSuccess/Failure, once the token was handed over.
    for (const taskToken of tokens) {
      if (mock?.errorOutput)
        await engine.sendTaskFailure({ taskToken, error: mock.errorOutput.error ?? 'States.TaskFailed', ...(mock.errorOutput.cause === undefined ? {} : { cause: mock.errorOutput.cause }) });
      else await engine.sendTaskSuccess({ taskToken, output: mock?.result ?? '{}' });
    }
    await engine.runToCompletion();
    const history = engine.getExecutionHistory({ executionArn, maxResults: 1000 }).events as HistoryEvent[];
    const exited = history.find((e) => e.type.endsWith('StateExited') && details<{ name?: string }>(e, 'stateExitedEventDetails')?.name === END);
    const next = history.find((e) => e.type.endsWith('StateEntered') && details<{ name?: string }>(e, 'stateEnteredEventDetails')?.name !== END);
    const taskFailure = taskEvent<{ error?: string; cause?: string }>(history, 'Failed', 'TimedOut');
    const d = engine.describeExecution({ executionArn });
    const out: Record<string, unknown> = {};
    const output = details<{ output?: string }>(exited, 'stateExitedEventDetails')?.output;
    const retrier =
      taskFailure?.error === undefined
        ? undefined
        : (Array.isArray(retriers) ? (retriers as { ErrorEquals?: string[]; MaxAttempts?: number }[]) : []).find((r) => errorMatches(r.ErrorEquals ?? [], taskFailure.error ?? ''));
    if (retrier && retryCount < (retrier.MaxAttempts ?? 3)) {
      out.status = 'RETRIABLE';
      out.error = taskFailure?.error;
      if (taskFailure?.cause !== undefined) out.cause = taskFailure.cause;
    } else if (d.status === 'FAILED' && !next) {
      out.status = 'FAILED';
      if (d.error !== undefined) out.error = d.error;
      if (d.cause !== undefined) out.cause = d.cause;
    } else {
      if (output !== undefined) out.output = output;
      if (next) out.nextState = details<{ name: string }>(next, 'stateEnteredEventDetails')?.name;
      const caught = next !== undefined && Array.isArray(state.Catch) && history.some((e) => e.type.endsWith('Failed') || e.type.endsWith('TimedOut'));
      out.status = caught ? 'CAUGHT_ERROR' : 'SUCCEEDED';
      if (caught && taskFailure?.error !== undefined) {
        out.error = taskFailure.error;
        if (taskFailure.cause !== undefined) out.cause = taskFailure.cause;
      }
      if (out.output === undefined && out.status === 'SUCCEEDED') out.output = d.output;
    }
    if (level !== 'INFO') out.inspectionData = inspection(state, queryLanguage === 'JSONata', history, output);
    return out;
  } finally {
    await engine.close();
  }
}
