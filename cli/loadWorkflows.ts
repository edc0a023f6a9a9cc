import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compile } from '../compiler/compile';
import type { CompiledWorkflow } from '../schemas/artifacts';
import type { Diagnostic } from '../schemas/diagnostic';

/** The `.yaml`/`.yml` files named by `paths` (files, or folders searched one level deep), sorted. */
export function workflowFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.ya?ml$/.test(f)) files.push(join(p, f));
    } else files.push(p);
  }
  return files;
}

export interface LoadedWorkflows {
  workflows: CompiledWorkflow[];
  diagnostics: Diagnostic[];
  /** True when any file had an error. */
  failed: boolean;
}

/** Reads and compiles every workflow under `paths`; diagnostics name files relative to the cwd. */
export function loadWorkflows(paths: readonly string[], cwd = process.cwd()): LoadedWorkflows {
  const workflows: CompiledWorkflow[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of workflowFiles(paths)) {
    const result = compile(readFileSync(file, 'utf8'), relative(cwd, file) || file);
    diagnostics.push(...result.diagnostics);
    if (result.artifact) workflows.push(result.artifact);
  }
  return { workflows, diagnostics, failed: diagnostics.some((d) => d.severity === 'error') };
}
