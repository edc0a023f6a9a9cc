import type { ExecutionDetail } from '../consoleBackend';
import type { Html } from './html';

/**
 * The workflow's graph as SVG, each step coloured by status. Drawn by i16-graph's
 * `buildWorkflowGraph` + `toSvg` once that lands; until then the step list is the view.
 */
export function workflowGraph(_source: string, _stepStatus: ExecutionDetail['stepStatus'] = {}): Html | undefined {
  return undefined;
}
