import type { StepKind } from '../schemas/workflow';
import { isRecord, stepKind } from './schemaDiagnostics';
import { formatPath, type PathSegment } from './yamlSource';

/** One step as written (possibly malformed), where it sits, and the ASL scope its state lives in. */
export interface StepInfo {
  id: string | undefined;
  raw: Record<string, unknown>;
  path: PathSegment[];
  kind: StepKind | undefined;
  /** `root`, or the path of the forEach / parallel branch whose States hold this step. */
  scope: string;
  /** Human name of the scope, for messages. */
  scopeLabel: string;
}

/** Every step of the workflow, depth first in source order, defensive about malformed input. */
export function collectSteps(root: unknown): StepInfo[] {
  const out: StepInfo[] = [];
  const steps = isRecord(root) ? root.steps : undefined;
  walkList(steps, ['steps'], 'root', 'the workflow', out);
  return out;
}

function walkList(list: unknown, path: PathSegment[], scope: string, scopeLabel: string, out: StepInfo[]): void {
  if (!Array.isArray(list)) return;
  list.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    const p = [...path, i];
    const kind = stepKind(raw);
    const id = typeof raw.id === 'string' ? raw.id : undefined;
    out.push({ id, raw, path: p, kind, scope, scopeLabel });
    if (kind === 'if') {
      walkList(raw.then, [...p, 'then'], scope, scopeLabel, out);
      walkList(raw.else, [...p, 'else'], scope, scopeLabel, out);
    } else if (kind === 'choose') {
      if (Array.isArray(raw.choose)) raw.choose.forEach((c, j) => isRecord(c) && walkList(c.then, [...p, 'choose', j, 'then'], scope, scopeLabel, out));
      walkList(raw.otherwise, [...p, 'otherwise'], scope, scopeLabel, out);
    } else if (kind === 'forEach') {
      walkList(raw.do, [...p, 'do'], formatPath(p), `forEach '${id ?? '?'}'`, out);
    } else if (kind === 'parallel' && Array.isArray(raw.parallel)) {
      raw.parallel.forEach((b, j) => isRecord(b) && walkList(b.steps, [...p, 'parallel', j, 'steps'], formatPath([...p, 'parallel', j]), `parallel '${id ?? '?'}' branch ${j + 1}`, out));
    }
  });
}
