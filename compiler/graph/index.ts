/**
 * Graphs for people: the workflow drawn from its YAML steps (buildWorkflowGraph), as Mermaid, DOT or
 * a standalone SVG. Used by `clinflow graph`, the docs (docs/workflows/*.svg) and the web console.
 */
export { buildWorkflowGraph } from './buildWorkflowGraph';
export { graphFromSource, type GraphFromSource } from './graphFromSource';
export { humanDuration } from './humanDuration';
export { END_NODE, TRIGGER_NODE, type GraphEdge, type GraphEdgeKind, type GraphGroup, type GraphNode, type GraphNodeKind, type StepStatus, type WorkflowGraph } from './model';
export { toDot } from './toDot';
export { toMermaid } from './toMermaid';
export { toSvg, type SvgOptions } from './toSvg';
