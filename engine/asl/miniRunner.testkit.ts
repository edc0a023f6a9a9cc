/**
 * Test support: a tiny JSONPath-mode runner for Pass/Choice/Succeed/Fail chains, enough to check
 * this folder's modules against whole conformance cases without the real interpreter.
 */
import { ApiError, WorkflowError, StatesError } from '../../schemas/errors';
import { evaluateChoiceRule } from './choiceRules';
import { PathNotFoundError } from './jsonpath';
import { applyResultPath } from './resultPath';
import { resolvePath } from './resolvePath';
import { applyPayloadTemplate, evaluateDollarValue } from './payloadTemplate';
import type { AslEnv, Scope } from './scope';
import type { AslCase } from './aslCases.testkit';

export type MiniResult = { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error?: string; cause?: string };

const SUPPORTED = new Set(['Pass', 'Choice', 'Succeed', 'Fail']);

export function supportsCase(c: AslCase): boolean {
  const d = c.definition;
  if (d.QueryLanguage === 'JSONata') return false;
  return Object.values(d.States as Record<string, Record<string, unknown>>).every((s) => SUPPORTED.has(String(s.Type)) && s.QueryLanguage !== 'JSONata' && s.Assign === undefined);
}

export function runMini(c: AslCase, env: AslEnv): MiniResult {
  const def = c.definition;
  const states = def.States as Record<string, Record<string, unknown>>;
  const smName = c.context?.StateMachine?.Name ?? 'sm';
  const express = c.stateMachineType === 'EXPRESS';
  let context = {
    Execution: {
      Id: express ? `arn:aws:states:us-east-1:111111111111:express:${smName}:exec:x` : `arn:aws:states:us-east-1:111111111111:execution:${smName}:exec`,
      Input: c.input,
      StartTime: '2024-01-01T00:00:00.000Z',
      Name: 'exec',
      RoleArn: c.context?.Execution?.RoleArn ?? 'arn:aws:iam::111111111111:role/StepFunctionsTestRole',
      ...(express ? {} : { RedriveCount: 0 }),
    },
    StateMachine: { Id: c.context?.StateMachine?.Id ?? `arn:aws:states:us-east-1:111111111111:stateMachine:${smName}`, Name: smName },
    State: { Name: '', EnteredTime: '2024-01-01T00:00:00.000Z' },
  };
  let name = String(def.StartAt);
  let input = c.input;
  let steps = 0;
  try {
    for (; steps < 1000; steps++) {
      const st = states[name]!;
      // A fresh object: earlier outputs may hold references to the previous context.
      context = { ...context, State: { Name: name, EnteredTime: context.State.EnteredTime } };
      const scope = (i: unknown): Scope => ({ input: i, context, variables: {} });
      const path = (p: unknown, data: unknown): unknown => {
        if (p === null) return {};
        if (p === undefined) return data;
        try {
          return resolvePath(String(p), scope(data));
        } catch (e) {
          if (e instanceof PathNotFoundError) throw new StatesError('States.Runtime', `Invalid path '${String(p)}' : ${e.message}`);
          throw e;
        }
      };
      const effective = path(st.InputPath, input);
      switch (st.Type) {
        case 'Pass': {
          const result = st.Parameters !== undefined ? applyPayloadTemplate(st.Parameters, scope(effective), env) : 'Result' in st ? st.Result : effective;
          const out = path(st.OutputPath, applyResultPath(input, st.ResultPath as string | null | undefined, result));
          if (st.End === true) return { status: 'SUCCEEDED', output: out };
          input = out;
          name = String(st.Next);
          break;
        }
        case 'Choice': {
          const choices = st.Choices as Record<string, unknown>[];
          const hit = choices.find((r) => evaluateChoiceRule(r, scope(effective)));
          const next = hit ? hit.Next : st.Default;
          if (next === undefined) return { status: 'FAILED', error: 'States.NoChoiceMatched' };
          input = path(st.OutputPath, effective);
          name = String(next);
          break;
        }
        case 'Succeed':
          return { status: 'SUCCEEDED', output: path(st.OutputPath, effective) };
        case 'Fail': {
          const dyn = (field: string, v: unknown): string | undefined => (v === undefined ? undefined : String(evaluateDollarValue(field, v, scope(input), env)));
          const error = st.Error !== undefined ? String(st.Error) : dyn('ErrorPath', st.ErrorPath);
          const cause = st.Cause !== undefined ? String(st.Cause) : dyn('CausePath', st.CausePath);
          return { status: 'FAILED', ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
        }
      }
    }
    throw new Error('too many steps');
  } catch (e) {
    if (e instanceof WorkflowError || e instanceof ApiError) {
      return {
        status: 'FAILED',
        error: e.error,
        cause: `An error occurred while executing the state '${name}' (entered at the event id #${2 + 2 * steps}). ${e.causeText ?? ''}`,
      };
    }
    throw e;
  }
}
