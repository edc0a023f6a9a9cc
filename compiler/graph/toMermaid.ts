import type { GraphGroup, GraphNode, WorkflowGraph } from './model';
import { childGroups, groupRefs, MAX_LINE, nodeLines, nodeRef } from './renderIds';
import { clip } from './text';

/** Mermaid label text: `#` starts an entity code, so it and the characters Mermaid reads as markup are written as codes. */
function text(s: string): string {
  return s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/&/g, '#amp;').replace(/`/g, '#96;');
}

const SHAPES: Record<GraphNode['kind'], [string, string]> = {
  trigger: ['>', ']'],
  task: ['[', ']'],
  human: ['[/', '\\]'],
  wait: ['[/', '/]'],
  choice: ['{', '}'],
  set: ['[', ']'],
  map: ['[[', ']]'],
  parallel: ['[[', ']]'],
  succeed: ['([', '])'],
  end: ['([', '])'],
  fail: ['{{', '}}'],
};

/** The graph as a Mermaid flowchart: step ids and what they do, conditions on the branches, catches dotted and grey. */
export function toMermaid(graph: WorkflowGraph): string {
  const lines = ['flowchart TD'];
  const groupRef = groupRefs(graph);
  const children = childGroups(graph);
  const byGroup = new Map<string | undefined, GraphNode[]>();
  for (const n of graph.nodes) byGroup.set(n.group, [...(byGroup.get(n.group) ?? []), n]);
  const node = (n: GraphNode, indent: string) => {
    const { main, quiet } = nodeLines(n);
    const [open, close] = SHAPES[n.kind];
    lines.push(`${indent}${nodeRef(n.id)}${open}"${[...main, ...quiet].map(text).join('<br/>')}"${close}`);
  };
  const emit = (group: string | undefined, indent: string) => {
    for (const n of byGroup.get(group) ?? []) node(n, indent);
    for (const g of children.get(group) ?? ([] as GraphGroup[])) {
      lines.push(`${indent}subgraph ${groupRef.get(g.id)} ["${text(clip(g.label, MAX_LINE))}"]`);
      emit(g.id, `${indent}  `);
      lines.push(`${indent}end`);
    }
  };
  emit(undefined, '  ');
  const quiet: number[] = [];
  graph.edges.forEach((e, i) => {
    const label = e.label !== undefined ? `|"${text(clip(e.label, MAX_LINE))}"|` : '';
    if (e.quiet) quiet.push(i);
    lines.push(`  ${nodeRef(e.from)} ${e.quiet ? '-.->' : '-->'}${label} ${nodeRef(e.to)}`);
  });
  if (quiet.length) lines.push(`  linkStyle ${quiet.join(',')} stroke:#8a8f98,color:#5f6368`);
  return `${lines.join('\n')}\n`;
}
