/** Parallel and Map (inline and distributed): child frames, concurrency, tolerance, results. */
import type { Scope } from '../asl/scope';
import { PathNotFoundError } from '../asl/jsonpath';
import { compactJson, queryEvaluationFailure, runtimeFailure, StateFailure, toStateFailure } from './failures';
import { childFrameId, type ControlFrame, type ExecFrame } from './frames';
import { evaluateJsonataTemplate, isJsonataExpression, jsonataInteger, unexpectedResultType, type StatesBinding } from './jsonataEval';
import { machineAt, type StateDef } from './machine';
import { exceedsTolerance, hasTolerance } from './mapTolerance';
import type { RunnerCore } from './runnerCore';
import { handleFailure } from './retryCatch';
import { abortChildren, dropChildren } from './abortFrames';

export async function startParallel(r: RunnerCore, f: ExecFrame, st: StateDef): Promise<void> {
  const raw = f.input;
  let input: unknown;
  if (r.isJsonata(st)) {
    input = 'Arguments' in st ? await evaluateJsonataTemplate(st.Arguments, r.scopes.statesBinding(f, raw), r.scopes.variables(f), 'Arguments', r.scopes.jsonataEnv()) : raw;
  } else {
    const eff = r.scopes.inputPath(f, st, raw);
    input = 'Parameters' in st ? r.scopes.template(st.Parameters, r.scopes.scope(f, eff)) : eff;
  }
  const branches = (st.Branches ?? []) as { StartAt: string }[];
  r.recorder.emit('ParallelStateStarted', undefined, f);
  const ctl: ControlFrame = {
    kind: 'ctl',
    type: 'parallel',
    id: `${f.id}/p${r.nextSeq()}`,
    owner: f.id,
    stateName: f.state,
    total: branches.length,
    next: branches.length,
    running: branches.length,
    succeeded: 0,
    failed: 0,
    maxConcurrency: 0,
    toleratedCount: null,
    toleratedPercentage: null,
  };
  r.put(ctl);
  f.pending = { kind: 'children', ctl: ctl.id };
  r.touch(f);
  if (branches.length === 0) {
    r.schedule(() => completeChildren(r, ctl));
    return;
  }
  branches.forEach((b, i) => {
    const child = r.createFrame({ id: childFrameId(ctl.id, i), parent: f.id, ctl: ctl.id, index: i, machine: [...f.machine, f.state, i] });
    r.schedule(() => {
      if (child.status !== 'running' || ctl.closed) return;
      r.enter(child, b.StartAt, input);
      return r.run(child);
    });
  });
}

export async function startMap(r: RunnerCore, f: ExecFrame, st: StateDef): Promise<void> {
  const raw = f.input;
  const processor = (st.ItemProcessor ?? st.Iterator) as { StartAt: string; ProcessorConfig?: { Mode?: string } };
  const distributed = processor.ProcessorConfig?.Mode === 'DISTRIBUTED';
  let items: unknown;
  let selectorInput: unknown;
  let maxConcurrency = 0;
  let toleratedCount: number | null = null;
  let toleratedPercentage: number | null = null;
  const ctx = r.scopes.context(f);
  const jsonata = r.isJsonata(st);
  const states = r.scopes.statesBinding(f, raw, undefined, ctx);
  if (jsonata) {
    if ('Items' in st) {
      items = isJsonataExpression(st.Items)
        ? await r.scopes.jsonataValue(f, st.Items, states, 'Items')
        : await evaluateJsonataTemplate(st.Items, states, r.scopes.variables(f), 'Items', r.scopes.jsonataEnv());
      if (!Array.isArray(items)) throw unexpectedResultType(st.Items, 'Items', 'array', items);
    } else {
      items = raw;
      if (!Array.isArray(items)) throw queryEvaluationFailure(`Map state input must be an array but was: ${compactJson(items)}`);
    }
    selectorInput = raw;
    maxConcurrency = Number(await jsonataInteger(st.MaxConcurrency ?? 0, 'MaxConcurrency', 0, () => r.scopes.jsonataValue(f, st.MaxConcurrency, states, 'MaxConcurrency')));
  } else {
    const eff = r.scopes.inputPath(f, st, raw);
    const scope = r.scopes.scope(f, eff, ctx);
    selectorInput = eff;
    if (typeof st.ItemsPath === 'string') {
      try {
        items = r.scopes.readRef(st.ItemsPath, scope);
      } catch (e) {
        if (e instanceof PathNotFoundError) throw runtimeFailure(`Invalid path '${st.ItemsPath}' : ${e.message}`);
        throw e;
      }
    } else items = eff;
    if (!Array.isArray(items)) {
      throw runtimeFailure(`Item path ${typeof st.ItemsPath === 'string' ? st.ItemsPath : '$'} in state ${f.state} evaluated to ${compactJson(items)}, but must evaluate to an array`);
    }
    maxConcurrency = typeof st.MaxConcurrencyPath === 'string' ? mapNumberPath(r, st.MaxConcurrencyPath, 'MaxConcurrencyPath', scope, 'integer') : Number(st.MaxConcurrency ?? 0);
  }
  if (maxConcurrency < 0) throw runtimeFailure(`Expected non-negative integer for MaxConcurrency, got '${maxConcurrency}' instead.`);
  const list = items as unknown[];
  const selector = st.ItemSelector ?? st.Parameters;
  let inputs: unknown[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = { index: i, value: list[i] };
    if (selector === undefined) inputs.push(list[i]);
    else if (jsonata) {
      const c = r.scopes.context(f, { item });
      inputs.push(await evaluateJsonataTemplate(selector, r.scopes.statesBinding(f, raw, undefined, c), r.scopes.variables(f), 'ItemSelector', r.scopes.jsonataEnv()));
    } else {
      const c = r.scopes.context(f, { item });
      inputs.push(r.scopes.template(selector, { input: selectorInput, context: c, variables: distributed ? {} : r.scopes.variables(f) }));
    }
  }
  if (st.ItemBatcher !== undefined) inputs = await batchItems(r, f, st, inputs, selectorInput, states);
  r.recorder.emit('MapStateStarted', { length: inputs.length }, f);
  // AWS reads the tolerated-failure settings after MapStateStarted (their failures have no MapStateFailed).
  if (jsonata) {
    if ('ToleratedFailureCount' in st) {
      toleratedCount = Number(await jsonataInteger(st.ToleratedFailureCount, 'ToleratedFailureCount', 0, () => r.scopes.jsonataValue(f, st.ToleratedFailureCount, states, 'ToleratedFailureCount')));
    }
    if ('ToleratedFailurePercentage' in st) {
      const v = await r.scopes.jsonataValue(f, st.ToleratedFailurePercentage, states, 'ToleratedFailurePercentage');
      if (typeof v !== 'number') throw unexpectedResultType(st.ToleratedFailurePercentage, 'ToleratedFailurePercentage', 'number', v);
      toleratedPercentage = v;
    }
  } else {
    const scope = r.scopes.scope(f, selectorInput, ctx);
    if (typeof st.ToleratedFailureCountPath === 'string') {
      toleratedCount = mapNumberPath(r, st.ToleratedFailureCountPath, 'ToleratedFailureCountPath', scope, 'integer');
    } else if ('ToleratedFailureCount' in st) toleratedCount = Number(st.ToleratedFailureCount);
    if (typeof st.ToleratedFailurePercentagePath === 'string') {
      toleratedPercentage = mapNumberPath(r, st.ToleratedFailurePercentagePath, 'ToleratedFailurePercentagePath', scope, 'float');
    } else if ('ToleratedFailurePercentage' in st) toleratedPercentage = Number(st.ToleratedFailurePercentage);
  }
  if (toleratedPercentage !== null && !(toleratedPercentage >= 0 && toleratedPercentage <= 100)) {
    throw runtimeFailure('ToleratedFailurePercentage must be between 0 and 100.');
  }
  if (toleratedCount !== null && !(toleratedCount >= 0)) throw runtimeFailure('ToleratedFailureCount cannot be negative.');
  if (distributed) r.recorder.emit('MapRunStarted', undefined, f);
  const ctl: ControlFrame = {
    kind: 'ctl',
    type: 'map',
    id: `${f.id}/m${r.nextSeq()}`,
    owner: f.id,
    stateName: f.state,
    total: inputs.length,
    next: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    maxConcurrency,
    toleratedCount,
    toleratedPercentage,
  };
  if (distributed) ctl.distributed = true;
  r.put(ctl);
  f.pending = { kind: 'children', ctl: ctl.id };
  r.touch(f);
  for (let i = 0; i < inputs.length; i++) {
    const child = r.createFrame({ id: childFrameId(ctl.id, i), parent: f.id, ctl: ctl.id, index: i, machine: [...f.machine, f.state] });
    child.input = inputs[i];
  }
  if (inputs.length === 0) {
    r.schedule(() => completeChildren(r, ctl));
    return;
  }
  fillMap(r, ctl);
}

/** Distributed Map ItemBatcher: iterations receive `{ BatchInput?, Items: [...] }`. */
export async function batchItems(r: RunnerCore, f: ExecFrame, st: StateDef, inputs: unknown[], selectorInput: unknown, states: StatesBinding): Promise<unknown[]> {
  const b = st.ItemBatcher as Record<string, unknown>;
  let size: number | undefined;
  let batchInput: unknown;
  if (r.isJsonata(st)) {
    if ('MaxItemsPerBatch' in b) size = Number(await r.scopes.jsonataValue(f, b.MaxItemsPerBatch, states, 'ItemBatcher/MaxItemsPerBatch'));
    if ('BatchInput' in b) batchInput = await evaluateJsonataTemplate(b.BatchInput, states, r.scopes.variables(f), 'ItemBatcher/BatchInput', r.scopes.jsonataEnv());
  } else {
    const scope = r.scopes.scope(f, selectorInput);
    if (typeof b.MaxItemsPerBatchPath === 'string') size = mapNumberPath(r, b.MaxItemsPerBatchPath, 'MaxItemsPerBatchPath', scope, 'integer');
    else if ('MaxItemsPerBatch' in b) size = Number(b.MaxItemsPerBatch);
    if ('BatchInput' in b) batchInput = r.scopes.template(b.BatchInput, scope);
  }
  if (size !== undefined && !(Number.isInteger(size) && size > 0)) throw runtimeFailure(`MaxItemsPerBatch must be a positive integer, but was: ${size}`);
  const per = size ?? Math.max(inputs.length, 1);
  const batches: unknown[] = [];
  for (let i = 0; i < inputs.length; i += per) {
    const batch: Record<string, unknown> = {};
    if (batchInput !== undefined) batch.BatchInput = batchInput;
    batch.Items = inputs.slice(i, i + per);
    batches.push(batch);
  }
  return batches;
}

export function mapNumberPath(r: RunnerCore, path: string, field: string, scope: Scope, kind: 'integer' | 'float'): number {
  let v: unknown;
  try {
    v = r.scopes.readRef(path, scope);
  } catch (e) {
    if (e instanceof PathNotFoundError) throw runtimeFailure(`The ${field} field refers to value "null" which is not a valid ${kind}: ${path}`);
    throw e;
  }
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) n = Number(v);
  if (n === undefined || (kind === 'integer' && !Number.isInteger(n))) {
    const shown = typeof v === 'string' ? v : compactJson(v);
    throw runtimeFailure(`The ${field} field refers to value "${shown}" which is not a valid ${kind}: ${path}`);
  }
  return n;
}

/** Starts Map iterations up to MaxConcurrency. */
export function fillMap(r: RunnerCore, ctl: ControlFrame): void {
  while (!ctl.closed && ctl.next < ctl.total && (ctl.maxConcurrency === 0 || ctl.running < ctl.maxConcurrency)) {
    const i = ctl.next;
    ctl.next += 1;
    ctl.running += 1;
    r.touch(ctl);
    r.schedule(() => {
      const child = r.frame<ExecFrame>(childFrameId(ctl.id, i));
      if (!child || child.status !== 'running' || ctl.closed) return;
      const owner = r.frame<ExecFrame>(ctl.owner)!;
      if (!ctl.distributed) r.recorder.emit('MapIterationStarted', { index: i, name: ctl.stateName }, owner);
      const processor = machineAt(r.def, child.machine);
      r.enter(child, processor.StartAt, child.input);
      return r.run(child);
    });
  }
}

/** A branch or iteration ended (succeeded or failed). */
export function childEnded(r: RunnerCore, child: ExecFrame): void {
  const ctl = r.frame<ControlFrame>(child.ctl!);
  if (!ctl || ctl.closed) return;
  const owner = r.frame<ExecFrame>(ctl.owner)!;
  ctl.running -= 1;
  r.touch(ctl);
  if (child.status === 'succeeded') {
    ctl.succeeded += 1;
    if (ctl.type === 'map' && !ctl.distributed) r.recorder.emit('MapIterationSucceeded', { index: child.index, name: ctl.stateName }, owner);
  } else {
    ctl.failed += 1;
    if (ctl.type === 'map' && !ctl.distributed) r.recorder.emit('MapIterationFailed', { index: child.index, name: ctl.stateName }, owner);
    // A Task that fails a branch/iteration is journaled as aborted as well (as AWS records it).
    if (machineAt(r.def, child.machine).States[child.state]?.Type === 'Task') r.recorder.emit('TaskStateAborted', { name: child.state }, child);
    if (ctl.type === 'parallel' || exceedsTolerance(ctl, ctl.failed, ctl.total)) {
      failChildren(r, ctl, child);
      return;
    }
  }
  if (ctl.type === 'map') fillMap(r, ctl);
  if (ctl.succeeded + ctl.failed === ctl.total) r.schedule(() => completeChildren(r, ctl));
}

/** The Parallel/Map state fails because of `child`: abort the rest and let the owner retry/catch. */
export function failChildren(r: RunnerCore, ctl: ControlFrame, child: ExecFrame): void {
  const owner = r.frame<ExecFrame>(ctl.owner)!;
  // AWS records ParallelStateFailed for a branch ending in a Fail state, not for a failed Task (journaled as TaskStateAborted).
  const failedEvent = ctl.type === 'map' || machineAt(r.def, child.machine).States[child.state]?.Type !== 'Task';
  // Keep the children: if this failure ends the execution, a redrive reruns only the failed/aborted ones.
  abortChildren(r, ctl.id, true);
  owner.failedCtl = ctl.id;
  const tolerant = ctl.type === 'map' && hasTolerance(ctl);
  const error = tolerant ? 'States.ExceedToleratedFailureThreshold' : child.error;
  const cause = tolerant ? 'The specified tolerated failure threshold was exceeded' : child.cause;
  if (ctl.distributed) r.recorder.emit('MapRunFailed', undefined, owner);
  delete owner.pending;
  r.touch(owner);
  const st = r.stateDef(owner);
  r.schedule(async () => {
    // A branch ending in a Fail state with no Error fails its Parallel/Map with no error name either
    // (`""` for Catch matching and the error output; none in ExecutionFailed).
    await handleFailure(r, owner, st, new StateFailure(error ?? '', cause), failedEvent);
    await r.run(owner);
  });
}

export async function completeChildren(r: RunnerCore, ctl: ControlFrame): Promise<void> {
  const owner = r.frame<ExecFrame>(ctl.owner)!;
  const results: unknown[] = [];
  for (let i = 0; i < ctl.total; i++) {
    const c = r.frame<ExecFrame>(childFrameId(ctl.id, i));
    if (c?.status === 'succeeded') results.push(c.output);
    else results.push(c ? { Error: c.error, Cause: c.cause } : null);
  }
  dropChildren(r, ctl);
  if (ctl.type === 'map') {
    if (ctl.distributed) r.recorder.emit('MapRunSucceeded', undefined, owner);
    r.recorder.emit('MapStateSucceeded', undefined, owner);
  }
  delete owner.pending;
  r.touch(owner);
  const st = r.stateDef(owner);
  try {
    await r.finishWithResult(owner, st, results);
  } catch (e) {
    if (owner.status === 'running') await handleFailure(r, owner, st, toStateFailure(e));
  }
  await r.run(owner);
}

/**
 * Redrive of a failed frame: a frame that failed in a Map/Parallel resumes it, rerunning only the
 * children that failed or were aborted (recursively); any other frame re-enters its failed state.
 */
export async function redriveFrame(r: RunnerCore, f: ExecFrame): Promise<void> {
  f.status = 'running';
  delete f.error;
  delete f.cause;
  delete f.pending;
  r.touch(f);
  const ctl = f.failedCtl ? r.frame<ControlFrame>(f.failedCtl) : undefined;
  delete f.failedCtl;
  if (!ctl) {
    r.enter(f, f.state, f.input);
    await r.run(f);
    return;
  }
  f.pending = { kind: 'children', ctl: ctl.id };
  delete ctl.closed;
  ctl.failed = 0;
  ctl.running = 0;
  r.touch(ctl);
  const started = ctl.type === 'map' ? ctl.next : ctl.total;
  for (let i = 0; i < started; i++) {
    const child = r.frame<ExecFrame>(childFrameId(ctl.id, i));
    if (!child || child.status === 'succeeded') continue;
    ctl.running += 1;
    r.schedule(async () => {
      if (ctl.closed) return;
      if (ctl.type === 'map' && !ctl.distributed) r.recorder.emit('MapIterationStarted', { index: i, name: ctl.stateName }, f);
      await redriveFrame(r, child);
    });
  }
  if (ctl.type === 'map') fillMap(r, ctl);
  if (ctl.succeeded === ctl.total) r.schedule(() => completeChildren(r, ctl));
}
