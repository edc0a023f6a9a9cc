import type { CompiledWorkflow } from '../schemas/artifacts';
import { taskNameFromResource } from '../schemas/task';

type State = Record<string, unknown>;
export type GraphFormat = 'mermaid' | 'dot';

interface Node {
  id: string;
  label: string;
  shape: 'task' | 'choice' | 'terminal' | 'pass' | 'wait' | 'start';
}
interface Edge {
  from: string;
  to: string;
  label?: string;
  dashed?: boolean;
}
interface Cluster {
  id: string;
  label: string;
  nodes: Node[];
  clusters: Cluster[];
}

/** Describes what starts the workflow, in a line a person can read. */
export function triggerLabel(t: CompiledWorkflow['trigger']): string {
  if (t.kind === 'none') return 'started by another workflow or the API';
  if (t.kind === 'schedule') return `schedule ${t.scheduleExpression} ${t.scheduleExpressionTimezone}`;
  const p = t.eventPattern as { source?: unknown; detail?: { resourceType?: unknown; interaction?: unknown; attributes?: Record<string, unknown> } };
  if (Array.isArray(p.source) && p.source[0] === 'clinflow.fhir' && p.detail) {
    const attrs = Object.entries(p.detail.attributes ?? {}).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    return [`FHIR ${String(p.detail.resourceType)} ${Array.isArray(p.detail.interaction) ? p.detail.interaction.join('/') : ''}`, ...attrs].join('\n');
  }
  return `event ${JSON.stringify(t.eventPattern)}`;
}

function short(s: string, n = 48): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function exprText(s: unknown): string {
  return typeof s === 'string' ? s.replace(/^\{%\s*|\s*%\}$/g, '').replace(/\$states\.context\.Execution\.Input/g, '$event') : '';
}

function stateLabel(name: string, s: State): { label: string; shape: Node['shape'] } {
  const type = String(s.Type);
  const resource = typeof s.Resource === 'string' ? s.Resource : '';
  if (type === 'Task') {
    const fn = resource.includes('waitForTaskToken') ? 'await a person' : (taskNameFromResource(resource) ?? resource);
    const limits = [s.TimeoutSeconds !== undefined ? `timeout ${String(s.TimeoutSeconds)}s` : '', s.HeartbeatSeconds !== undefined ? `heartbeat ${String(s.HeartbeatSeconds)}s` : ''].filter(Boolean).join(', ');
    const retry = Array.isArray(s.Retry) ? `retry ${(s.Retry as State[]).map((r) => (r.ErrorEquals as string[]).join('/')).join('; ')}` : '';
    return { label: [name, fn, limits, retry].filter(Boolean).join('\n'), shape: 'task' };
  }
  if (type === 'Choice') return { label: name, shape: 'choice' };
  if (type === 'Wait') return { label: `${name}\nwait ${s.Seconds !== undefined ? `${exprText(s.Seconds) || String(s.Seconds)}s` : `until ${exprText(s.Timestamp) || String(s.Timestamp)}`}`, shape: 'wait' };
  if (type === 'Succeed') return { label: name, shape: 'terminal' };
  if (type === 'Fail') return { label: `${name}\nfail ${String(s.Error)}`, shape: 'terminal' };
  if (type === 'Map') return { label: `${name}\nfor each ${short(exprText(s.Items), 32)}`, shape: 'task' };
  if (type === 'Parallel') return { label: `${name}\nparallel`, shape: 'task' };
  return { label: name, shape: 'pass' };
}

/** Nodes, edges and clusters (Map processors, Parallel branches) of a compiled workflow. */
function build(wf: CompiledWorkflow): { root: Cluster; edges: Edge[] } {
  const ids = new Map<string, string>();
  const idOf = (scope: string, name: string) => {
    const key = `${scope}\u0000${name}`;
    let id = ids.get(key);
    if (!id) {
      id = `n${ids.size}`;
      ids.set(key, id);
    }
    return id;
  };
  const edges: Edge[] = [];
  const walk = (scope: string, startAt: unknown, states: Record<string, State>, cluster: Cluster, endId: string | undefined): string => {
    for (const [name, s] of Object.entries(states)) {
      const id = idOf(scope, name);
      const { label, shape } = stateLabel(name, s);
      cluster.nodes.push({ id, label, shape });
      if (typeof s.Next === 'string') edges.push({ from: id, to: idOf(scope, s.Next) });
      if (s.End === true && endId) edges.push({ from: id, to: endId });
      for (const c of (s.Choices as State[] | undefined) ?? []) edges.push({ from: id, to: idOf(scope, String(c.Next)), label: short(exprText(c.Condition)) });
      if (typeof s.Default === 'string') edges.push({ from: id, to: idOf(scope, s.Default), label: 'otherwise' });
      for (const c of (s.Catch as State[] | undefined) ?? []) edges.push({ from: id, to: idOf(scope, String(c.Next)), label: (c.ErrorEquals as string[]).join(', '), dashed: true });
      const proc = s.ItemProcessor as State | undefined;
      if (proc) {
        const inner: Cluster = { id: `c_${id}`, label: `for each item of ${name}`, nodes: [], clusters: [] };
        cluster.clusters.push(inner);
        const start = walk(`${scope}/${name}`, proc.StartAt, proc.States as Record<string, State>, inner, undefined);
        edges.push({ from: id, to: start, label: 'each item' });
      }
      ((s.Branches as State[] | undefined) ?? []).forEach((b, j) => {
        const inner: Cluster = { id: `c_${id}_${j}`, label: `${name} branch ${j + 1}`, nodes: [], clusters: [] };
        cluster.clusters.push(inner);
        const start = walk(`${scope}/${name}/${j}`, b.StartAt, b.States as Record<string, State>, inner, undefined);
        edges.push({ from: id, to: start, label: 'branch' });
      });
    }
    return idOf(scope, String(startAt));
  };
  const root: Cluster = { id: 'root', label: wf.name, nodes: [], clusters: [] };
  root.nodes.push({ id: 'wf_trigger', label: triggerLabel(wf.trigger), shape: 'start' });
  root.nodes.push({ id: 'wf_end', label: 'end', shape: 'terminal' });
  const def = wf.definition as { StartAt?: unknown; States?: Record<string, State> };
  const start = walk('', def.StartAt, def.States ?? {}, root, 'wf_end');
  edges.unshift({ from: 'wf_trigger', to: start });
  return { root, edges };
}

function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/\n/g, '<br/>');
}

function mermaid(wf: CompiledWorkflow): string {
  const { root, edges } = build(wf);
  const lines = ['flowchart TD'];
  const shape = (n: Node) => {
    const t = `"${mermaidText(n.label)}"`;
    switch (n.shape) {
      case 'choice':
        return `${n.id}{${t}}`;
      case 'terminal':
        return `${n.id}([${t}])`;
      case 'start':
        return `${n.id}>${t}]`;
      case 'wait':
        return `${n.id}[/${t}/]`;
      default:
        return `${n.id}[${t}]`;
    }
  };
  const emit = (c: Cluster, indent: string) => {
    for (const n of c.nodes) lines.push(`${indent}${shape(n)}`);
    for (const inner of c.clusters) {
      lines.push(`${indent}subgraph ${inner.id} ["${mermaidText(inner.label)}"]`);
      emit(inner, `${indent}  `);
      lines.push(`${indent}end`);
    }
  };
  emit(root, '  ');
  for (const e of edges) {
    const arrow = e.dashed ? '-.->' : '-->';
    lines.push(`  ${e.from} ${arrow}${e.label ? `|"${mermaidText(e.label)}"|` : ''} ${e.to}`);
  }
  return `${lines.join('\n')}\n`;
}

function dotText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function dot(wf: CompiledWorkflow): string {
  const { root, edges } = build(wf);
  const lines = [`digraph "${dotText(wf.name)}" {`, '  rankdir=TB;', '  node [shape=box, style=rounded, fontname="Helvetica"];'];
  const shapes: Record<Node['shape'], string> = { task: 'box', choice: 'diamond', terminal: 'oval', pass: 'box', wait: 'parallelogram', start: 'cds' };
  const emit = (c: Cluster, indent: string) => {
    for (const n of c.nodes) lines.push(`${indent}${n.id} [label="${dotText(n.label)}", shape=${shapes[n.shape]}];`);
    for (const inner of c.clusters) {
      lines.push(`${indent}subgraph cluster_${inner.id} {`, `${indent}  label="${dotText(inner.label)}";`);
      emit(inner, `${indent}  `);
      lines.push(`${indent}}`);
    }
  };
  emit(root, '  ');
  for (const e of edges) {
    const attrs = [e.label ? `label="${dotText(e.label)}"` : '', e.dashed ? 'style=dashed' : ''].filter(Boolean).join(', ');
    lines.push(`  ${e.from} -> ${e.to}${attrs ? ` [${attrs}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The workflow as a Mermaid flowchart or a Graphviz digraph: trigger, states, branches, catches. */
export function renderGraph(wf: CompiledWorkflow, format: GraphFormat): string {
  return format === 'dot' ? dot(wf) : mermaid(wf);
}
