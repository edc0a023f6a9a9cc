import type { GraphGroup, GraphNode, WorkflowGraph } from './model';
import { childGroups, groupRefs, MAX_LINE, nodeLines, nodeRef } from './renderIds';
import { clip } from './text';

/** A DOT double-quoted string's content: backslash starts DOT's label escapes (\n, \l, \N), so it is doubled. */
function text(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n');
}

const SHAPES: Record<GraphNode['kind'], string> = {
  trigger: 'cds',
  task: 'box',
  human: 'box',
  wait: 'parallelogram',
  choice: 'diamond',
  set: 'box',
  map: 'box3d',
  parallel: 'box3d',
  succeed: 'oval',
  end: 'oval',
  fail: 'octagon',
};

/** The graph as a Graphviz digraph: forEach bodies and parallel branches as clusters, catches dashed and grey. */
export function toDot(graph: WorkflowGraph): string {
  const lines = [`digraph "${text(graph.name)}" {`, '  rankdir=TB;', '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=10];'];
  const groupRef = groupRefs(graph);
  const children = childGroups(graph);
  const byGroup = new Map<string | undefined, GraphNode[]>();
  for (const n of graph.nodes) byGroup.set(n.group, [...(byGroup.get(n.group) ?? []), n]);
  const emit = (group: string | undefined, indent: string) => {
    for (const n of byGroup.get(group) ?? []) {
      const { main, quiet } = nodeLines(n);
      const style = n.kind === 'human' ? ', style="rounded,bold"' : n.kind === 'fail' ? ', style=solid' : '';
      lines.push(`${indent}${nodeRef(n.id)} [label="${[...main, ...quiet].map(text).join('\\n')}", shape=${SHAPES[n.kind]}${style}];`);
    }
    for (const g of children.get(group) ?? ([] as GraphGroup[])) {
      lines.push(`${indent}subgraph cluster_${groupRef.get(g.id)} {`, `${indent}  label="${text(clip(g.label, MAX_LINE))}";`, `${indent}  style=dashed;`);
      emit(g.id, `${indent}  `);
      lines.push(`${indent}}`);
    }
  };
  emit(undefined, '  ');
  for (const e of graph.edges) {
    const attrs = [e.label !== undefined ? `label="${text(clip(e.label, MAX_LINE))}"` : '', e.quiet ? 'style=dashed, color=gray55, fontcolor=gray40' : ''].filter(Boolean).join(', ');
    lines.push(`  ${nodeRef(e.from)} -> ${nodeRef(e.to)}${attrs ? ` [${attrs}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
