import { parse } from 'yaml';
import { STEP_KEYS } from '../../schemas/workflow';

export interface StepLine {
  id: string;
  kind: string;
  description?: string;
  /** What the step does, as written in the YAML (task name, awaited status, wait duration, …). */
  what: string;
  timeout?: string;
  depth: number;
}

const KINDS = Object.keys(STEP_KEYS);

function whatOf(kind: string, s: Record<string, unknown>): string {
  const v = s[kind];
  if (kind === 'call') return String(v);
  if (kind === 'await') return `a person: until ${String((v as { until?: unknown })?.until ?? 'completed')}`;
  if (kind === 'wait') return typeof v === 'string' ? `wait ${v}` : `wait ${JSON.stringify(v)}`;
  if (kind === 'if') return `if ${String(v)}`;
  if (kind === 'forEach') return `for each of ${String(v)}`;
  if (kind === 'fail') return `fail with ${String((v as { error?: unknown })?.error ?? '')}`;
  if (kind === 'set') return `set ${Object.keys(v ?? {}).join(', ')}`;
  return kind;
}

/** The steps of a workflow file in the order written, nested branches indented: the YAML's words, not ASL's. */
export function stepsOf(source: string): StepLine[] {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch {
    return [];
  }
  const out: StepLine[] = [];
  const visit = (steps: unknown, depth: number): void => {
    if (!Array.isArray(steps)) return;
    for (const raw of steps) {
      if (raw === null || typeof raw !== 'object') continue;
      const s = raw as Record<string, unknown>;
      const kind = KINDS.find((k) => k in s) ?? 'step';
      if (typeof s.id === 'string')
        out.push({
          id: s.id,
          kind,
          what: whatOf(kind, s),
          depth,
          ...(typeof s.description === 'string' ? { description: s.description } : {}),
          ...(typeof s.timeout === 'string' ? { timeout: s.timeout } : {}),
        });
      visit(s.then, depth + 1);
      visit(s.else, depth + 1);
      visit(s.otherwise, depth + 1);
      visit(s.do, depth + 1);
      if (Array.isArray(s.choose)) for (const c of s.choose) visit((c as { then?: unknown })?.then, depth + 1);
      if (Array.isArray(s.parallel)) for (const b of s.parallel) visit((b as { steps?: unknown })?.steps, depth + 1);
    }
  };
  visit((doc as { steps?: unknown })?.steps, 0);
  return out;
}

/** The `trigger:` block exactly as written in the file. */
export function triggerAsWritten(source: string): string | undefined {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => /^trigger:/.test(l));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && (/^\s/.test(lines[end] ?? '') || (lines[end] ?? '') === '')) end++;
  return lines.slice(start, end).join('\n').trimEnd();
}
