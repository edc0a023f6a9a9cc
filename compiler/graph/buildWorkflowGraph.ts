import type { Branch, Catch, Retry, Step, Trigger, Workflow } from '../../schemas/workflow';
import { expressionBody, isExpression } from '../expressions';
import { humanDuration } from './humanDuration';
import { END_NODE, TRIGGER_NODE, type GraphEdge, type GraphEdgeKind, type GraphGroup, type GraphNode, type WorkflowGraph } from './model';

/** An expression as the author wrote it, without the `{% %}` wrapper. */
function asWritten(v: unknown): string {
  if (typeof v !== 'string') return JSON.stringify(v);
  return (isExpression(v) ? expressionBody(v) : v).trim().replace(/\s+/g, ' ');
}

function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function retryText(r: Retry | Retry[] | undefined): string | undefined {
  const parts = list(r).map((x) => `${x.on?.join(', ') ?? 'any error'}: up to ${plural(x.attempts ?? 3, 'time')}${x.interval !== undefined ? `, from ${humanDuration(x.interval)}` : ''}`);
  return parts.length ? `retry ${parts.join('; ')}` : undefined;
}

/** A time that may be a duration or an expression giving seconds. */
function timeText(v: string | number): string {
  return typeof v === 'string' && isExpression(v) ? `${asWritten(v)} seconds` : humanDuration(v);
}

/** The trigger as written: what starts a run, and the `where:` line. */
function triggerNode(wf: Workflow): GraphNode {
  const t: Trigger | undefined = wf.trigger;
  const details: string[] = [];
  let summary: string;
  if (!t) summary = 'started by another workflow or the API';
  else if ('fhir' in t) {
    summary = `FHIR ${t.fhir.resource}: ${(t.fhir.on ?? ['create', 'update']).join(', ')}`;
    if (t.fhir.where !== undefined) details.push(`where: ${asWritten(t.fhir.where)}`);
  } else if ('schedule' in t) {
    const s = t.schedule;
    summary = s.cron !== undefined ? `schedule: cron ${s.cron}` : s.rate !== undefined ? `schedule: every ${s.rate}` : `schedule: once at ${String(s.at)}`;
    details.push(`time zone ${s.timezone ?? 'UTC'}`);
    if (s.enabled === false) details.push('disabled');
  } else summary = `event: ${JSON.stringify(t.event)}`;
  if (wf.correlation) details.push(`one run per ${asWritten(wf.correlation.key)} (a new event: ${wf.correlation.onNewEvent ?? 'replace'})`);
  if (wf.timeout !== undefined) details.push(`the whole run times out after ${humanDuration(wf.timeout)}`);
  return { id: TRIGGER_NODE, kind: 'trigger', label: 'trigger', summary, details };
}

/** The node of one step: its kind and what it does, in words. */
function stepNode(step: Step, group: string | undefined): GraphNode {
  const base = { id: step.id, label: step.id, details: [] as string[], ...(step.description !== undefined ? { description: step.description } : {}), ...(group !== undefined ? { group } : {}) };
  const withRetry = (n: GraphNode, r: Retry | Retry[] | undefined): GraphNode => {
    const text = retryText(r);
    return text ? { ...n, retry: text } : n;
  };
  if ('call' in step) {
    const details = [step.timeout !== undefined ? `time limit ${humanDuration(step.timeout)}` : '', step.heartbeat !== undefined ? `heartbeat every ${humanDuration(step.heartbeat)}` : ''].filter(
      Boolean,
    );
    return withRetry({ ...base, kind: 'task', summary: `call ${step.call}`, details }, step.retry);
  }
  if ('await' in step) {
    const a = step.await as Record<string, unknown>;
    const until = typeof a.until === 'string' ? a.until.replace(/\s*\|\s*/g, ' or ') : 'completed';
    const details = [typeof a.owner === 'string' && !a.owner.includes('{%') ? `owner ${a.owner}` : '', `up to ${humanDuration(step.timeout)}`].filter(Boolean);
    return withRetry({ ...base, kind: 'human', summary: `await a person: task ${until}`, details }, step.retry);
  }
  if ('wait' in step) {
    const w = step.wait;
    const summary = typeof w === 'object' ? (w.until !== undefined ? `wait until ${asWritten(w.until)}` : `wait ${timeText(w.for ?? '')}`) : `wait ${timeText(w)}`;
    return { ...base, kind: 'wait', summary };
  }
  if ('if' in step) return { ...base, kind: 'choice', summary: 'if' };
  if ('choose' in step) return { ...base, kind: 'choice', summary: `choose: ${plural(step.choose.length, 'case')}` };
  if ('forEach' in step) {
    const items = typeof step.forEach === 'string' ? asWritten(step.forEach) : plural(step.forEach.length, 'listed item');
    const details = [`as ${step.as ?? 'item'}`, step.concurrency ? `${step.concurrency} at a time` : ''].filter(Boolean);
    return withRetry({ ...base, kind: 'map', summary: `for each of ${items}`, details }, step.retry);
  }
  if ('parallel' in step) return withRetry({ ...base, kind: 'parallel', summary: `parallel: ${plural(step.parallel.length, 'branch')}` }, step.retry);
  if ('set' in step) return { ...base, kind: 'set', summary: `set ${Object.keys(step.set).join(', ')}` };
  if ('succeed' in step) return { ...base, kind: 'succeed', summary: 'succeed' };
  return { ...base, kind: 'fail', summary: `fail: ${asWritten(step.fail.error)}`, details: step.fail.cause !== undefined ? [`cause: ${asWritten(step.fail.cause)}`] : [] };
}

/**
 * The workflow as people read it: one node per YAML step (keyed by step id), the trigger as written,
 * edges labelled with conditions as written, catches present but quiet. It follows the same flow
 * rules as the compiler (compiler/emitAsl.ts: `end`, `next`, the following step, the branch's
 * continuation) but draws none of the states the compiler adds. Pure; the input is a checked workflow.
 */
export function buildWorkflowGraph(wf: Workflow): WorkflowGraph {
  const nodes: GraphNode[] = [triggerNode(wf)];
  const edges: GraphEdge[] = [];
  const groups: GraphGroup[] = [];
  let endUsed = false;

  /** `to` null is the end of the current scope: the end node at the top level, nothing inside a group. */
  const edge = (from: string, to: string | null, kind: GraphEdgeKind, group: string | undefined, label?: string): void => {
    if (to === null) {
      if (group !== undefined) return;
      endUsed = true;
      to = END_NODE;
    }
    edges.push({ from, to, kind, ...(label !== undefined ? { label } : {}), quiet: kind === 'catch' });
  };
  const catches = (from: string, c: Catch | Catch[] | undefined, group: string | undefined): void => {
    for (const x of list(c)) edge(from, x.next, 'catch', group, x.on?.join(', ') ?? 'any error');
  };

  const block = (steps: readonly Step[], group: string | undefined, after: string | null): string | null => {
    steps.forEach((step, i) => {
      const following = steps[i + 1];
      const successor = 'end' in step && step.end ? null : ('next' in step && step.next) || (following ? following.id : after);
      emitStep(step, group, successor);
    });
    return steps[0]?.id ?? after;
  };
  const branch = (b: Branch | undefined, group: string | undefined, after: string | null): string | null => (b === undefined ? after : typeof b === 'string' ? b : block(b, group, after));

  const emitStep = (step: Step, group: string | undefined, successor: string | null): void => {
    nodes.push(stepNode(step, group));
    if ('if' in step || 'choose' in step) {
      const after = step.end ? null : (step.next ?? successor);
      if ('if' in step) {
        edge(step.id, branch(step.then, group, after), 'branch', group, asWritten(step.if));
        edge(step.id, branch(step.else, group, after), 'otherwise', group, 'else');
      } else {
        for (const c of step.choose) edge(step.id, branch(c.then, group, after), 'branch', group, asWritten(c.when));
        edge(step.id, branch(step.otherwise, group, after), 'otherwise', group, 'otherwise');
      }
      return;
    }
    if ('forEach' in step) {
      const id = `${step.id}#each`;
      groups.push({ id, step: step.id, label: `for each ${step.as ?? 'item'} of ${step.id}`, ...(group !== undefined ? { parent: group } : {}) });
      edge(step.id, block(step.do, id, null), 'body', id, 'each item');
    }
    if ('parallel' in step) {
      step.parallel.forEach((b, j) => {
        const id = `${step.id}#branch${j + 1}`;
        const name = b.name ?? `branch ${j + 1}`;
        groups.push({ id, step: step.id, label: `${step.id}: ${name}`, ...(group !== undefined ? { parent: group } : {}) });
        edge(step.id, block(b.steps, id, null), 'body', id, name);
      });
    }
    if (!('succeed' in step) && !('fail' in step)) edge(step.id, successor, 'next', group);
    if ('catch' in step) catches(step.id, step.catch, group);
  };

  edge(TRIGGER_NODE, wf.steps[0]?.id ?? null, 'next', undefined);
  block(wf.steps, undefined, null);
  if (endUsed) nodes.push({ id: END_NODE, kind: 'end', label: 'end', summary: 'the run succeeds', details: [] });
  return { name: wf.workflow, ...(wf.description !== undefined ? { description: wf.description } : {}), nodes, edges, groups };
}
