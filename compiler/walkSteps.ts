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
  /** The scopes this step is in, outermost (`root`) first, ending with `scope`: what it can see. */
  scopes: readonly string[];
  /** How many steps nested in this one follow it in the list (depth first: they are contiguous). */
  descendants: number;
}

/** Every step of the workflow, depth first in source order, defensive about malformed input. */
export function collectSteps(root: unknown): StepInfo[] {
  const out: StepInfo[] = [];
  const steps = isRecord(root) ? root.steps : undefined;
  walkList(steps, ['steps'], ['root'], 'the workflow', out);
  return out;
}

function walkList(list: unknown, path: PathSegment[], scopes: readonly string[], scopeLabel: string, out: StepInfo[]): void {
  if (!Array.isArray(list)) return;
  const scope = scopes[scopes.length - 1] ?? 'root';
  list.forEach((raw, i) => {
    if (!isRecord(raw)) return;
    const p = [...path, i];
    const kind = stepKind(raw);
    const id = typeof raw.id === 'string' ? raw.id : undefined;
    const info: StepInfo = { id, raw, path: p, kind, scope, scopeLabel, scopes, descendants: 0 };
    const at = out.push(info);
    if (kind === 'if') {
      walkList(raw.then, [...p, 'then'], scopes, scopeLabel, out);
      walkList(raw.else, [...p, 'else'], scopes, scopeLabel, out);
    } else if (kind === 'choose') {
      if (Array.isArray(raw.choose)) raw.choose.forEach((c, j) => isRecord(c) && walkList(c.then, [...p, 'choose', j, 'then'], scopes, scopeLabel, out));
      walkList(raw.otherwise, [...p, 'otherwise'], scopes, scopeLabel, out);
    } else if (kind === 'forEach') {
      walkList(raw.do, [...p, 'do'], [...scopes, formatPath(p)], `forEach '${id ?? '?'}'`, out);
    } else if (kind === 'parallel' && Array.isArray(raw.parallel)) {
      raw.parallel.forEach((b, j) => isRecord(b) && walkList(b.steps, [...p, 'parallel', j, 'steps'], [...scopes, formatPath([...p, 'parallel', j])], `parallel '${id ?? '?'}' branch ${j + 1}`, out));
    }
    info.descendants = out.length - at;
  });
}
