import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compile, type CompileResult } from '../compiler/compile';
import type { CompiledWorkflow } from '../schemas/artifacts';
import type { Diagnostic } from '../schemas/diagnostic';
import { isWorkflowTestFile } from '../schemas/workflowTest';
import { UsageError } from './usageError';

/** A usage problem (a path that doesn't exist, a bad option): exit code 2. */

/** Workflow files under the given paths (directories recursively), sorted, as the user would name them. */
export function workflowFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (p: string, explicit: boolean): void => {
    if (!existsSync(p)) throw new UsageError(`no such file or directory: ${p}`);
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        visit(join(p, name), false);
      }
    } else if (explicit || (/\.ya?ml$/.test(p) && !isWorkflowTestFile(p))) out.push(p); // tests beside workflows are not workflows
  };
  for (const p of paths) visit(p, true);
  return out;
}

export interface FileResult extends CompileResult {
  file: string;
}

export function compileFiles(paths: readonly string[]): FileResult[] {
  return workflowFiles(paths).map((file) => {
    const name = relative(process.cwd(), file) || file;
    return { file: name, ...compile(readFileSync(file, 'utf8'), name) };
  });
}

export interface LoadedWorkflows {
  workflows: CompiledWorkflow[];
  diagnostics: Diagnostic[];
  /** True when any file had an error. */
  failed: boolean;
  /** Workflow name → the file it was compiled from (for reporting a definition the engine refuses). */
  files: Record<string, string>;
}

/** Reads and compiles every workflow under `paths` (for the runtime and deploy). */
export function loadWorkflows(paths: readonly string[]): LoadedWorkflows {
  const results = compileFiles(paths);
  const diagnostics = results.flatMap((r) => r.diagnostics);
  return {
    workflows: results.flatMap((r) => (r.artifact ? [r.artifact] : [])),
    diagnostics,
    failed: diagnostics.some((d) => d.severity === 'error'),
    files: Object.fromEntries(results.flatMap((r) => (r.artifact ? [[r.artifact.name, r.file]] : []))),
  };
}
