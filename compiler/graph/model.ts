/**
 * A workflow graph drawn from the YAML steps (not from the ASL): what an author or a clinician reads.
 * Pure data, shared by the Mermaid, DOT and SVG renderers and by the web console.
 */

/** What a node stands for. `trigger` and `end` are not steps; every other kind is one YAML step. */
export type GraphNodeKind = 'trigger' | 'task' | 'human' | 'wait' | 'choice' | 'set' | 'map' | 'parallel' | 'succeed' | 'fail' | 'end';

/** The id of the trigger node; `#` cannot occur in a step id, so it never clashes with one. */
export const TRIGGER_NODE = '#trigger';
/** The id of the node every path that ends the workflow (without succeed/fail) goes to. */
export const END_NODE = '#end';

export interface GraphNode {
  /** The YAML step id, or TRIGGER_NODE / END_NODE. */
  id: string;
  kind: GraphNodeKind;
  /** The step id as written (`trigger` / `end` for the two synthetic nodes). */
  label: string;
  /** What the step does, in words: `call fhir.read`, `wait 2 days`, `await a person until accepted`. */
  summary: string;
  /** More lines of detail in words (the trigger's `where:` line, a human task's owner and time limit). */
  details: string[];
  /** The step's `description:` as written. */
  description?: string;
  /** Its retry policy in words; renderers draw it quietly. */
  retry?: string;
  /** The forEach / parallel-branch group the step runs in; absent at the top level. */
  group?: string;
}

/** `next` (the flow), `branch` (an if/choose condition), `otherwise` (else), `body` (into a forEach / parallel branch), `catch`. */
export type GraphEdgeKind = 'next' | 'branch' | 'otherwise' | 'body' | 'catch';

export interface GraphEdge {
  from: string;
  to: string;
  kind: GraphEdgeKind;
  /** A branch's condition as written, `else` / `otherwise`, the caught error names, a branch name. */
  label?: string;
  /** Catch edges: present but drawn quietly (the unhappy path should not dominate the picture). */
  quiet: boolean;
}

/** The steps of one forEach body or one parallel branch. */
export interface GraphGroup {
  /** `<stepId>#each` or `<stepId>#branch<N>`. */
  id: string;
  /** The forEach / parallel step that runs it. */
  step: string;
  label: string;
  /** The enclosing group, when nested. */
  parent?: string;
}

export interface WorkflowGraph {
  name: string;
  description?: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  groups: GraphGroup[];
}

/** What the console knows about a step of one execution. */
export type StepStatus = 'succeeded' | 'failed' | 'running' | 'waiting' | 'not-reached';
