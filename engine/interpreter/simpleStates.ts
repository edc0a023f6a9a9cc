/** Pass, Choice, Succeed, Fail and Wait: the states that need no task and no children. */
import { PathNotFoundError } from '../asl/jsonpath';
import { applyResultPath } from '../asl/resultPath';
import type { Scope } from '../asl/scope';
import { evaluateChoiceRule } from '../asl/choiceRules';
import { evaluateIntrinsic } from '../asl/intrinsics';
import { compactJson, queryEvaluationFailure, runtimeFailure, StateFailure, toStateFailure } from './failures';
import { derivedId, type ExecFrame } from './frames';
import { evaluateJsonataTemplate, unexpectedResultType } from './jsonataEval';
import type { StateDef } from './machine';
import type { MaybePromise, RunnerCore } from './runnerCore';
import { isValidTimestamp, parseTimestampMs } from './timestamps';
import { handleFailure } from './retryCatch';

export function execPass(r: RunnerCore, f: ExecFrame, st: StateDef): MaybePromise {
  if (r.isJsonata(st)) return execPassJsonata(r, f, st);
  const raw = f.input;
  let eff = r.scopes.inputPath(f, st, raw);
  if ('Parameters' in st) eff = r.scopes.template(st.Parameters, r.scopes.scope(f, eff));
  const result = 'Result' in st ? st.Result : eff;
  const assigned = r.scopes.assignJsonPath(f, st.Assign, result);
  const out = r.scopes.outputPath(f, st, applyResultPath(raw, st.ResultPath as string | null | undefined, result));
  r.commitVars(f, assigned);
  r.exit(f, st, out);
}

async function execPassJsonata(r: RunnerCore, f: ExecFrame, st: StateDef): Promise<void> {
  const raw = f.input;
  const states = r.scopes.statesBinding(f, raw);
  const vars = r.scopes.variables(f);
  const assigned = await r.scopes.assignJsonata(f, st.Assign, states);
  const out = 'Output' in st ? await evaluateJsonataTemplate(st.Output, states, vars, 'Output', r.scopes.jsonataEnv()) : raw;
  r.commitVars(f, assigned);
  return r.exit(f, st, out);
}

export function execChoice(r: RunnerCore, f: ExecFrame, st: StateDef): MaybePromise {
  if (r.isJsonata(st)) return execChoiceJsonata(r, f, st);
  const raw = f.input;
  const choices = (st.Choices ?? []) as Record<string, unknown>[];
  const eff = r.scopes.inputPath(f, st, raw);
  const scope = r.scopes.scope(f, eff);
  let matched: Record<string, unknown> | undefined;
  for (const rule of choices) {
    if (evaluateChoiceRule(rule, scope)) {
      matched = rule;
      break;
    }
  }
  const next = matched ? String(matched.Next) : (st.Default as string | undefined);
  if (next === undefined) throw new StateFailure('States.NoChoiceMatched', `No Matches!`);
  const assigned = r.scopes.assignJsonPath(f, (matched ?? st).Assign, eff);
  const out = r.scopes.outputPath(f, st, eff);
  r.commitVars(f, assigned);
  r.exit(f, st, out, next);
}

async function execChoiceJsonata(r: RunnerCore, f: ExecFrame, st: StateDef): Promise<void> {
  const raw = f.input;
  const choices = (st.Choices ?? []) as Record<string, unknown>[];
  const states = r.scopes.statesBinding(f, raw);
  const vars = r.scopes.variables(f);
  let matched: Record<string, unknown> | undefined;
  let owner = '';
  for (let i = 0; i < choices.length; i++) {
    const rule = choices[i]!;
    // AWS names a rule's fields under its index: `Choices[1]/Condition` (github.com/floci-io/floci/pull/2689).
    const v = await r.scopes.jsonataValue(f, rule.Condition, states, choiceField(i, 'Condition'));
    if (typeof v !== 'boolean') throw unexpectedResultType(rule.Condition, choiceField(i, 'Condition'), 'boolean', v);
    if (v) {
      matched = rule;
      owner = choiceField(i, '');
      break;
    }
  }
  const src = matched ?? st;
  const next = matched ? String(matched.Next) : (st.Default as string | undefined);
  if (next === undefined) throw new StateFailure('States.NoChoiceMatched', `No Matches!`);
  const assigned = await r.scopes.assignJsonata(f, src.Assign, states, owner);
  const out = 'Output' in src ? await evaluateJsonataTemplate(src.Output, states, vars, `${owner}Output`, r.scopes.jsonataEnv()) : raw;
  r.commitVars(f, assigned);
  return r.exit(f, st, out, next);
}

const conditionFields: string[] = [];
const ruleFields: string[] = [];

/** `Choices[i]/Condition` or `Choices[i]/`, made once per index (a Choice evaluates its rules on every visit). */
function choiceField(i: number, suffix: 'Condition' | ''): string {
  const cache = suffix === '' ? ruleFields : conditionFields;
  return (cache[i] ??= `Choices[${i}]/${suffix}`);
}

export function execSucceed(r: RunnerCore, f: ExecFrame, st: StateDef): MaybePromise {
  if (r.isJsonata(st)) return execSucceedJsonata(r, f, st);
  r.exit(f, st, r.scopes.outputPath(f, st, r.scopes.inputPath(f, st, f.input)));
}

async function execSucceedJsonata(r: RunnerCore, f: ExecFrame, st: StateDef): Promise<void> {
  const states = r.scopes.statesBinding(f, f.input);
  const out = 'Output' in st ? await evaluateJsonataTemplate(st.Output, states, r.scopes.variables(f), 'Output', r.scopes.jsonataEnv()) : f.input;
  r.exit(f, st, out);
}

export async function execFail(r: RunnerCore, f: ExecFrame, st: StateDef): Promise<void> {
  const raw = f.input;
  let error: unknown = st.Error;
  let cause: unknown = st.Cause;
  if (r.isJsonata(st)) {
    const states = r.scopes.statesBinding(f, raw);
    error = await r.scopes.jsonataValue(f, error, states, 'Error');
    cause = await r.scopes.jsonataValue(f, cause, states, 'Cause');
  } else {
    const scope = r.scopes.scope(f, raw);
    const read = (field: 'ErrorPath' | 'CausePath'): unknown => {
      const path = String(st[field]);
      if (path.startsWith('States.')) return evaluateIntrinsic(path, scope, { newId: () => r.env.newId(), random: () => r.env.random() });
      try {
        return r.scopes.readRef(path, scope);
      } catch (e) {
        if (e instanceof PathNotFoundError) {
          throw runtimeFailure(`The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${compactJson(raw)}'`);
        }
        throw e;
      }
    };
    if (typeof st.ErrorPath === 'string') error = read('ErrorPath');
    if (typeof st.CausePath === 'string') cause = read('CausePath');
  }
  const err = error === undefined || error === null ? undefined : typeof error === 'string' ? error : JSON.stringify(error);
  const cau = cause === undefined || cause === null ? undefined : typeof cause === 'string' ? cause : JSON.stringify(cause);
  r.frameFailed(f, err, cau);
}

export async function execWait(r: RunnerCore, f: ExecFrame, st: StateDef): Promise<void> {
  const raw = f.input;
  let fireAt: number;
  let out: unknown;
  let assigned: Record<string, unknown> | undefined;
  if (r.isJsonata(st)) {
    const states = r.scopes.statesBinding(f, raw);
    if ('Seconds' in st) {
      const s = await r.scopes.jsonataValue(f, st.Seconds, states, 'Seconds');
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0) {
        throw queryEvaluationFailure(`The Seconds field must be a positive integer, but was: ${compactJson(s)}`);
      }
      fireAt = r.env.now + s * 1000;
    } else {
      const ts = await r.scopes.jsonataValue(f, st.Timestamp, states, 'Timestamp');
      if (typeof ts !== 'string' || !isValidTimestamp(ts)) {
        throw queryEvaluationFailure(`The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${String(ts)}`);
      }
      fireAt = parseTimestampMs(ts);
    }
    assigned = await r.scopes.assignJsonata(f, st.Assign, states);
    out = 'Output' in st ? await evaluateJsonataTemplate(st.Output, states, r.scopes.variables(f), 'Output', r.scopes.jsonataEnv()) : raw;
  } else {
    const ctx = r.scopes.context(f);
    const eff = r.scopes.inputPath(f, st, raw);
    const scope = r.scopes.scope(f, eff, ctx);
    if ('Seconds' in st) fireAt = r.env.now + Number(st.Seconds) * 1000;
    else if ('Timestamp' in st) fireAt = parseTimestampMs(String(st.Timestamp));
    else if ('SecondsPath' in st) {
      const { path, value: v } = readWaitPath(r, st, 'SecondsPath', scope);
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw runtimeFailure(`The SecondsPath parameter cannot be parsed as a long value: ${path} == ${typeof v === 'string' ? v : compactJson(v)}`);
      }
      if (v < 0) throw runtimeFailure(`The SecondsPath parameter references a negative value: ${path} == ${v}`);
      fireAt = r.env.now + v * 1000;
    } else {
      const { path, value: v } = readWaitPath(r, st, 'TimestampPath', scope);
      if (typeof v !== 'string' || !isValidTimestamp(v)) {
        throw runtimeFailure(`The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${path} == ${typeof v === 'string' ? v : compactJson(v)}`);
      }
      fireAt = parseTimestampMs(v);
    }
    assigned = r.scopes.assignJsonPath(f, st.Assign, eff, ctx);
    out = r.scopes.outputPath(f, st, eff);
  }
  r.commitVars(f, assigned);
  if (fireAt <= r.env.now) return r.exit(f, st, out);
  const timerId = derivedId(f.id, 'w', r.nextSeq());
  f.pending = { kind: 'wait', timerId };
  f.output = out;
  r.touch(f);
  r.commands.push({ type: 'StartTimer', timerId, fireAt, purpose: 'Wait' });
}

/** Reads a Wait state's SecondsPath/TimestampPath, with AWS's error when it selects nothing. */
function readWaitPath(r: RunnerCore, st: StateDef, field: 'SecondsPath' | 'TimestampPath', scope: Scope): { path: string; value: unknown } {
  const path = String(st[field]);
  try {
    return { path, value: r.scopes.readRef(path, scope) };
  } catch (e) {
    if (e instanceof PathNotFoundError) throw runtimeFailure(`The ${field} parameter does not reference an input value: ${path}`);
    throw e;
  }
}

/** A Wait timer fired: leave the Wait state. */
export async function waitElapsed(r: RunnerCore, f: ExecFrame): Promise<void> {
  const st = r.stateDef(f);
  const out = f.output;
  delete f.pending;
  delete f.output;
  try {
    r.exit(f, st, out);
  } catch (e) {
    await handleFailure(r, f, st, toStateFailure(e));
  }
  await r.run(f);
}

// ------------------------------------------------------------------ Task
