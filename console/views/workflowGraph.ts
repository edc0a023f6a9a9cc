import { graphFromSource, toSvg, type WorkflowGraph } from '../../compiler/graph';
import type { ExecutionDetail } from '../consoleBackend';
import { raw, type Html } from './html';

const cache = new Map<string, WorkflowGraph | null>();

/**
 * The workflow's graph as SVG, drawn from its YAML steps by i16-graph's model and renderer, each
 * step coloured (and labelled in words) by its status in one execution. The SVG uses presentation
 * attributes only, so the strict CSP (no inline style) holds; its text is escaped by the renderer.
 * Undefined when the file does not compile (the step list still shows).
 */
export function workflowGraph(source: string, stepStatus?: ExecutionDetail['stepStatus']): Html | undefined {
  let graph = cache.get(source);
  if (graph === undefined) {
    graph = graphFromSource(source, 'workflow.yaml').graph ?? null;
    if (cache.size > 100) cache.clear();
    cache.set(source, graph);
  }
  if (!graph) return undefined;
  if (!stepStatus) return raw(toSvg(graph));
  // Steps the history never entered are drawn as not reached.
  const all: Record<string, ExecutionDetail['stepStatus'][string]> = {};
  for (const n of graph.nodes) if (!n.id.startsWith('#')) all[n.id] = stepStatus[n.id] ?? 'not-reached';
  return raw(toSvg(graph, { stepStatus: all }));
}
