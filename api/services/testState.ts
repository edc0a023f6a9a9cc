import { sequentialIds } from '../../engine/clock/ids';
import { SimulatedClock } from '../../engine/clock/simulatedClock';
import { Engine } from '../../engine/durable/engine';
import { AwsError } from '../protocol/awsError';

const TESTABLE = new Set(['Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Task']);
const END = '__TestStateEnd';

/** The state names a state can go to next (Next, Choice targets, Catch targets). */
function targets(state: Record<string, unknown>): string[] {
  const out = new Set<string>();
  if (typeof state.Next === 'string') out.add(state.Next);
  if (typeof state.Default === 'string') out.add(state.Default);
  for (const c of (Array.isArray(state.Choices) ? state.Choices : []) as { Next?: unknown }[]) if (typeof c.Next === 'string') out.add(c.Next);
  for (const c of (Array.isArray(state.Catch) ? state.Catch : []) as { Next?: unknown }[]) if (typeof c.Next === 'string') out.add(c.Next);
  return [...out];
}

/**
 * TestState as AWS runs it: one state, with an input, in isolation. The state runs on a throwaway
 * in-memory engine whose successors are no-op Pass states, so the output is the state's own and
 * `nextState` is where it would go. Task states have no task functions here: they fail, as a Task
 * whose resource cannot be invoked does (the live runtime's functions are not called from a test).
 */
export async function runTestState(input: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (typeof input.definition !== 'string') throw new AwsError('ValidationException', 'definition is required');
  let state: Record<string, unknown>;
  try {
    state = JSON.parse(input.definition) as Record<string, unknown>;
  } catch {
    throw new AwsError('InvalidDefinition', 'Invalid State Machine Definition: the state is not valid JSON');
  }
  if (state === null || typeof state !== 'object' || !TESTABLE.has(String(state.Type))) throw new AwsError('InvalidDefinition', `Invalid State Machine Definition: TestState supports ${[...TESTABLE].join(', ')} states`);
  const states: Record<string, unknown> = { [END]: state };
  for (const t of targets(state)) states[t] = { Type: 'Pass', End: true };
  const engine = new Engine({ database: ':memory:', clock: new SimulatedClock(Date.now()), ids: sequentialIds() });
  try {
    const { stateMachineArn } = engine.createStateMachine({ name: 'test-state', definition: JSON.stringify({ StartAt: END, States: states }) });
    const { executionArn } = await engine.startExecution({ stateMachineArn, input: typeof input.input === 'string' ? input.input : '{}' });
    await engine.runToCompletion();
    const history = engine.getExecutionHistory({ executionArn, maxResults: 1000 }).events;
    const exited = history.find((e) => e.type.endsWith('StateExited') && (e.stateExitedEventDetails as { name?: string } | undefined)?.name === END);
    const next = history.find((e) => e.type.endsWith('StateEntered') && (e.stateEnteredEventDetails as { name?: string } | undefined)?.name !== END);
    const d = engine.describeExecution({ executionArn });
    const out: Record<string, unknown> = {};
    if (exited) out.output = (exited.stateExitedEventDetails as { output?: string }).output;
    if (next) out.nextState = (next.stateEnteredEventDetails as { name: string }).name;
    if (d.status === 'FAILED' && !next) {
      out.status = 'FAILED';
      if (d.error !== undefined) out.error = d.error;
      if (d.cause !== undefined) out.cause = d.cause;
    } else out.status = next && Array.isArray(state.Catch) && history.some((e) => e.type.endsWith('Failed')) ? 'CAUGHT_ERROR' : 'SUCCEEDED';
    if (out.output === undefined && out.status === 'SUCCEEDED') out.output = d.output;
    return out;
  } finally {
    await engine.close();
  }
}
