/** Task states: invocation (Lambda direct, lambda:invoke, .waitForTaskToken), results, failures, timeouts, heartbeats. */
import type { Scope } from '../asl/scope';
import { PathNotFoundError } from '../asl/jsonpath';
import { compactJson, runtimeFailure, StateFailure, toStateFailure } from './failures';
import { derivedId, type ExecFrame } from './frames';
import { evaluateJsonataTemplate, jsonataInteger } from './jsonataEval';
import type { StateDef } from './machine';
import type { RunnerCore } from './runnerCore';
import { classifyResource, dataLimitSubject, payloadTooLarge } from './taskResources';
import { isObject, regionOf } from './values';
import type { Command } from './contract';
import { handleFailure } from './retryCatch';

export async function startTask(r: RunnerCore, f: ExecFrame, st: StateDef): Promise<void> {
  const resource = String(st.Resource);
  const kind = classifyResource(resource);
  const token = kind.waitForTaskToken ? r.env.newId() : undefined;
  const ctx = r.scopes.context(f, token === undefined ? undefined : { token });
  const raw = f.input;
  let params: unknown;
  let timeoutSeconds: unknown = st.TimeoutSeconds;
  let heartbeatSeconds: unknown = st.HeartbeatSeconds;
  if (r.isJsonata(st)) {
    const states = r.scopes.statesBinding(f, raw, undefined, ctx);
    params = 'Arguments' in st ? await evaluateJsonataTemplate(st.Arguments, states, r.scopes.variables(f), 'Arguments', r.scopes.jsonataEnv()) : raw;
    // A timeout that is not a positive integer fails the state; it is never silently dropped.
    timeoutSeconds = await jsonataInteger(timeoutSeconds, 'TimeoutSeconds', 1, () => r.scopes.jsonataValue(f, st.TimeoutSeconds, states, 'TimeoutSeconds'));
    heartbeatSeconds = await jsonataInteger(heartbeatSeconds, 'HeartbeatSeconds', 1, () => r.scopes.jsonataValue(f, st.HeartbeatSeconds, states, 'HeartbeatSeconds'));
  } else {
    const eff = r.scopes.inputPath(f, st, raw);
    const scope = r.scopes.scope(f, eff, ctx);
    params = 'Parameters' in st ? r.scopes.template(st.Parameters, scope) : eff;
    if (typeof st.TimeoutSecondsPath === 'string') timeoutSeconds = positiveIntPath(r, st.TimeoutSecondsPath, 'TimeoutSecondsPath', scope);
    if (typeof st.HeartbeatSecondsPath === 'string') heartbeatSeconds = positiveIntPath(r, st.HeartbeatSecondsPath, 'HeartbeatSecondsPath', scope);
  }
  const payload = kind.lambda === 'service' ? (isObject(params) && 'Payload' in params ? params.Payload : {}) : params;
  const seq = r.nextSeq();
  const taskId = derivedId(f.id, 't', seq);
  const lambdaEvents = kind.lambda === 'direct' && !kind.waitForTaskToken;
  if (lambdaEvents) {
    const d: Record<string, unknown> = { resource, input: compactJson(payload) };
    if (typeof timeoutSeconds === 'number') d.timeoutInSeconds = timeoutSeconds;
    r.recorder.emit('LambdaFunctionScheduled', d, f);
    r.recorder.emit('LambdaFunctionStarted', undefined, f);
  } else {
    const { resourceType, resourceName } = kind;
    const d: Record<string, unknown> = { resourceType, resource: resourceName, region: regionOf(r.state.info.stateMachineArn), parameters: compactJson(params) };
    if (typeof timeoutSeconds === 'number') d.timeoutInSeconds = timeoutSeconds;
    if (typeof heartbeatSeconds === 'number') d.heartbeatInSeconds = heartbeatSeconds;
    r.recorder.emit('TaskScheduled', d, f);
    r.recorder.emit('TaskStarted', { resourceType, resource: resourceName }, f);
  }
  const pending: ExecFrame['pending'] & { kind: 'task' } = { kind: 'task', taskId, lambda: kind.lambda };
  if (token !== undefined) pending.token = token;
  if (typeof timeoutSeconds === 'number' && timeoutSeconds > 0) {
    pending.timeoutTimer = derivedId(f.id, 'T', seq);
    pending.timeoutAt = r.env.now + timeoutSeconds * 1000;
    r.commands.push({ type: 'StartTimer', timerId: pending.timeoutTimer, fireAt: pending.timeoutAt, purpose: 'TaskTimeout' });
  }
  if (typeof heartbeatSeconds === 'number' && heartbeatSeconds > 0) {
    pending.heartbeatSeconds = heartbeatSeconds;
    pending.heartbeatTimer = derivedId(f.id, 'H', seq);
    r.commands.push({
      type: 'StartTimer',
      timerId: pending.heartbeatTimer,
      fireAt: r.env.now + heartbeatSeconds * 1000,
      purpose: 'HeartbeatTimeout',
    });
  }
  f.pending = pending;
  r.touch(f);
  const cmd: Command & { type: 'InvokeTask' } = {
    type: 'InvokeTask',
    taskId,
    resource,
    payload,
    parameters: params,
    stateName: f.state,
    idempotencyKey: idempotencyKey(r, f),
  };
  if (token !== undefined) cmd.taskToken = token;
  r.commands.push(cmd);
}

export function positiveIntPath(r: RunnerCore, path: string, field: string, scope: Scope): number {
  let v: unknown;
  try {
    v = r.scopes.readRef(path, scope);
  } catch (e) {
    if (e instanceof PathNotFoundError) throw runtimeFailure(`Invalid path '${path}' : ${e.message}`);
    throw e;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw runtimeFailure(`Expected non-negative integer for ${field}, got '${typeof v === 'string' ? v : compactJson(v)}' instead.`);
  }
  return v;
}

export function idempotencyKey(r: RunnerCore, f: ExecFrame): string {
  const indexes: number[] = [];
  for (let cur: ExecFrame | undefined = f; cur && cur.ctl; cur = cur.parent ? r.frame<ExecFrame>(cur.parent) : undefined) indexes.unshift(cur.index);
  // `#entered` tells apart visits of the same state (loops, redrive); it is persisted, so stable across a crash.
  return [r.state.info.executionArn, `${f.state}#${f.entered}`, String(f.retryCount ?? 0), ...indexes.map(String)].join('|');
}

export function taskEventPrefix(r: RunnerCore, f: ExecFrame): 'LambdaFunction' | 'Task' {
  const p = f.pending;
  return p?.kind === 'task' && p.lambda === 'direct' && p.token === undefined ? 'LambdaFunction' : 'Task';
}

export async function taskSucceeded(r: RunnerCore, f: ExecFrame, output: unknown): Promise<void> {
  const st = r.stateDef(f);
  const prefix = taskEventPrefix(r, f);
  const p = f.pending as ExecFrame['pending'] & { kind: 'task' };
  r.clearTaskTimers(f);
  delete f.pending;
  r.touch(f);
  if (payloadTooLarge(output)) {
    const failure = new StateFailure(
      'States.DataLimitExceeded',
      `The state/task '${dataLimitSubject(String(st.Resource))}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    );
    r.recorder.emit(`${prefix}Failed`, resultDetails(st, prefix, { error: failure.error, cause: failure.causeText }), f);
    await handleFailure(r, f, st, failure);
    await r.run(f);
    return;
  }
  r.recorder.emit(`${prefix}Succeeded`, resultDetails(st, prefix, { output: compactJson(output) }), f);
  const result = p.lambda === 'service' && p.token === undefined ? { ExecutedVersion: '$LATEST', Payload: output, StatusCode: 200 } : output;
  try {
    await r.finishWithResult(f, st, result);
  } catch (e) {
    if (f.status === 'running') await handleFailure(r, f, st, toStateFailure(e));
  }
  await r.run(f);
}

export async function taskFailed(r: RunnerCore, f: ExecFrame, error: string, cause: string | undefined): Promise<void> {
  const st = r.stateDef(f);
  const d: Record<string, unknown> = { error };
  if (cause !== undefined) d.cause = cause;
  const prefix = taskEventPrefix(r, f);
  r.recorder.emit(`${prefix}Failed`, resultDetails(st, prefix, d), f);
  r.clearTaskTimers(f);
  delete f.pending;
  r.touch(f);
  await handleFailure(r, f, st, new StateFailure(error, cause));
  await r.run(f);
}

export async function taskTimedOut(r: RunnerCore, f: ExecFrame, heartbeat: boolean): Promise<void> {
  const st = r.stateDef(f);
  const p = f.pending as ExecFrame['pending'] & { kind: 'task' };
  const error = heartbeat ? 'States.HeartbeatTimeout' : 'States.Timeout';
  const prefix = taskEventPrefix(r, f);
  r.recorder.emit(`${prefix}TimedOut`, resultDetails(st, prefix, { error }), f);
  r.clearTaskTimers(f);
  r.commands.push({ type: 'CancelTask', taskId: p.taskId });
  delete f.pending;
  r.touch(f);
  await handleFailure(r, f, st, new StateFailure(error, undefined));
  await r.run(f);
}

export function taskHeartbeat(r: RunnerCore, f: ExecFrame): void {
  const p = f.pending;
  if (p?.kind !== 'task' || !p.heartbeatTimer || p.heartbeatSeconds === undefined) return;
  r.commands.push({ type: 'CancelTimer', timerId: p.heartbeatTimer });
  p.heartbeatTimer = derivedId(f.id, 'H', r.nextSeq());
  r.commands.push({ type: 'StartTimer', timerId: p.heartbeatTimer, fireAt: r.env.now + p.heartbeatSeconds * 1000, purpose: 'HeartbeatTimeout' });
  r.touch(f);
}

/** Task* result events carry resourceType/resource as AWS's do; LambdaFunction* ones don't. */
function resultDetails(st: StateDef, prefix: 'LambdaFunction' | 'Task', d: Record<string, unknown>): Record<string, unknown> {
  if (prefix === 'LambdaFunction') return d;
  const kind = classifyResource(String(st.Resource));
  return { resourceType: kind.resourceType, resource: kind.resourceName, ...d };
}
