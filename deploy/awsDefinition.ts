import type { Target } from './names';
import { rewriteFunctionArns } from './names';

/**
 * On AWS a Lambda task learns nothing about the execution unless the payload carries it, and a Step
 * Functions retry re-invokes with a new request id. So every clinflow task call gets a `_clinflow`
 * field with an idempotency key that is the same across retries of one state entry
 * (execution + state + entered time) and differs between entries and Map iterations. The task
 * runtime (deploy/lambda) strips it before validating the input. Local artifacts stay as compiled:
 * the local engine hands the key over directly.
 */
export const AWS_IDEMPOTENCY_KEY = "{% $states.context.Execution.Id & '|' & $states.context.State.Name & '#' & $states.context.State.EnteredTime %}";

const clinflowField = {
  _clinflow: {
    idempotencyKey: AWS_IDEMPOTENCY_KEY,
    executionArn: '{% $states.context.Execution.Id %}',
    stateName: '{% $states.context.State.Name %}',
  },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function withKey(state: Record<string, unknown>, jsonata: boolean): Record<string, unknown> {
  const resource = typeof state.Resource === 'string' ? state.Resource : '';
  if (state.Type !== 'Task' || !jsonata || !isObject(state.Arguments)) return state;
  if (/:function:clinflow-/.test(resource)) return { ...state, Arguments: { ...state.Arguments, ...clinflowField } };
  if (resource.startsWith('arn:aws:states:::lambda:invoke') && isObject(state.Arguments.Payload)) {
    return { ...state, Arguments: { ...state.Arguments, Payload: { ...state.Arguments.Payload, ...clinflowField } } };
  }
  return state;
}

function rewriteStates(states: unknown, queryLanguage: string): unknown {
  if (!isObject(states)) return states;
  return Object.fromEntries(
    Object.entries(states).map(([name, raw]) => {
      if (!isObject(raw)) return [name, raw];
      const ql = typeof raw.QueryLanguage === 'string' ? raw.QueryLanguage : queryLanguage;
      let state = withKey(raw, ql === 'JSONata');
      if (Array.isArray(state.Branches)) state = { ...state, Branches: state.Branches.map((b: unknown) => rewriteMachine(b, ql)) };
      for (const key of ['ItemProcessor', 'Iterator'] as const) if (isObject(state[key])) state = { ...state, [key]: rewriteMachine(state[key], ql) };
      return [name, state];
    }),
  );
}

function rewriteMachine(machine: unknown, inherited: string): unknown {
  if (!isObject(machine)) return machine;
  const ql = typeof machine.QueryLanguage === 'string' ? machine.QueryLanguage : inherited;
  return { ...machine, States: rewriteStates(machine.States, ql) };
}

/** The compiled definition as it runs on AWS: stage function ARNs, and idempotency keys on task calls. */
export function toAwsDefinition(definition: Record<string, unknown>, t: Target): unknown {
  return rewriteMachine(rewriteFunctionArns(definition, t), 'JSONPath');
}
