import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { graphFromSource, toSvg } from '../../compiler/graph';
import { taskCatalogue } from '../../tasks/catalogue';
import { taskReferenceMarkdown } from '../../tasks/taskReference';
import { workflowFiles } from '../loadWorkflows';

/** How to bring the generated docs up to date; the drift test and `--check` say it. */
export const REGENERATE = 'npm run docs';

/** Workflow files in workflows/, without the YAML tests that sit beside them (`<name>.test.yaml`). */
export function shippedWorkflowFiles(root: string): string[] {
  return workflowFiles([join(root, 'workflows')]).filter((f) => !/\.test\.ya?ml$/.test(f));
}

/**
 * Every generated doc, by path relative to the repository: the task reference (docs/tasks.md) and a
 * picture of each shipped workflow (docs/workflows/<name>.svg). Deterministic: a test compares it
 * with the files in the repository.
 */
export function generatedDocs(root: string): Map<string, string> {
  const out = new Map<string, string>([['docs/tasks.md', taskReferenceMarkdown(taskCatalogue)]]);
  for (const file of shippedWorkflowFiles(root)) {
    const name = `workflows/${basename(file)}`;
    const r = graphFromSource(readFileSync(file, 'utf8'), name);
    if (!r.graph) throw new Error(`${name} does not compile, so it has no graph: npx clinflow validate ${name}`);
    out.set(`docs/workflows/${r.graph.name}.svg`, toSvg(r.graph));
  }
  return out;
}
