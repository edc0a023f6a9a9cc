import type { Diagnostic } from '../../schemas/diagnostic';
import { WorkflowSchema } from '../../schemas/workflow';
import { compile } from '../compile';
import { parseYamlSource } from '../yamlSource';
import { buildWorkflowGraph } from './buildWorkflowGraph';
import type { WorkflowGraph } from './model';

export interface GraphFromSource {
  diagnostics: Diagnostic[];
  /** Present when the workflow compiles: a graph is only drawn of a workflow that could run. */
  graph?: WorkflowGraph;
}

/** YAML text → the compiler's diagnostics and, when it compiles, its graph. */
export function graphFromSource(source: string, fileName: string): GraphFromSource {
  const { diagnostics, artifact } = compile(source, fileName);
  if (!artifact) return { diagnostics };
  return { diagnostics, graph: buildWorkflowGraph(WorkflowSchema.parse(parseYamlSource(source).value)) };
}
