import { END_NODE, TRIGGER_NODE, type GraphGroup, type GraphNode, type WorkflowGraph } from './model';
import { clip } from './text';

/**
 * Identifiers safe in Mermaid and DOT: step ids (letters, digits, _) get an `s_` prefix, so a step
 * called `end` or `subgraph` is never read as a keyword; groups are numbered.
 */
export function nodeRef(id: string): string {
  if (id === TRIGGER_NODE) return 'x_trigger';
  if (id === END_NODE) return 'x_end';
  return `s_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

export function groupRefs(graph: WorkflowGraph): Map<string, string> {
  return new Map(graph.groups.map((g, i) => [g.id, `g${i}`]));
}

/** Longest text a text renderer writes on one line. */
export const MAX_LINE = 160;

/** The lines a text renderer shows for a node: id, what it does, details, description, retry (quiet). */
export function nodeLines(n: GraphNode): { main: string[]; quiet: string[] } {
  const main = [n.label, n.summary, ...n.details, ...(n.description !== undefined ? [n.description] : [])].map((l) => clip(l.replace(/\s+/g, ' '), MAX_LINE));
  return { main, quiet: n.retry !== undefined ? [clip(`↻ ${n.retry}`, MAX_LINE)] : [] };
}

/** Groups by parent (undefined = top level), in the graph's order. */
export function childGroups(graph: WorkflowGraph): Map<string | undefined, GraphGroup[]> {
  const out = new Map<string | undefined, GraphGroup[]>();
  for (const g of graph.groups) out.set(g.parent, [...(out.get(g.parent) ?? []), g]);
  return out;
}
