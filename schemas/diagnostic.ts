import * as z from 'zod';

/**
 * One problem the compiler found in a workflow file, with its position (1-based line and column)
 * and the path of the offending value (`steps[2].call`). Crosses compiler → CLI / engine / deploy.
 */
export const Diagnostic = z.object({
  file: z.string(),
  line: z.number().int().min(1),
  col: z.number().int().min(1),
  severity: z.enum(['error', 'warning']),
  /** Path of the offending value, e.g. `steps[2].with.reference`; empty for the whole file. */
  path: z.string(),
  message: z.string(),
  /** The likely intended spelling, for "did you mean …?". */
  suggestion: z.string().optional(),
  /** Stable machine-readable kind, e.g. `yaml`, `schema`, `unknown-task`, `jsonata`. */
  code: z.string(),
});
export type Diagnostic = z.infer<typeof Diagnostic>;

/** `file:line:col: error: message [path] (did you mean x?)`, the one-line form every tool prints. */
export function formatDiagnostic(d: Diagnostic): string {
  const path = d.path ? ` [${d.path}]` : '';
  const hint = d.suggestion !== undefined ? ` (did you mean ${d.suggestion}?)` : '';
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}${path}${hint}`;
}
