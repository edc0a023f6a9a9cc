import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Option, type Command } from 'commander';
import { graphFromSource, toDot, toMermaid, toSvg, type WorkflowGraph } from '../../compiler/graph';
import type { SetExit } from './registry';
import { guarded, printDiagnostics, workflowFiles } from './validate';
import { UsageError } from '../usageError';

export type GraphFormat = 'mermaid' | 'dot' | 'svg';
const RENDER: Record<GraphFormat, (g: WorkflowGraph) => string> = { mermaid: toMermaid, dot: toDot, svg: (g) => toSvg(g) };

/**
 * A file path as given, or a workflow name looked up in workflows/ (by file name first, then by the
 * `workflow:` each file declares, so a renamed file is still found).
 */
export function resolveWorkflowArg(arg: string, dir = 'workflows'): string {
  if (existsSync(arg)) {
    if (statSync(arg).isDirectory()) throw new UsageError(`graph takes one workflow file or name, not the directory ${arg}`);
    return arg;
  }
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(arg)) throw new UsageError(`no such file or directory: ${arg}`);
  const direct = join(dir, `${arg}.yaml`);
  if (existsSync(direct)) return direct;
  if (existsSync(dir)) {
    const found = workflowFiles([dir]).find((f) => new RegExp(`^workflow:\\s*["']?${arg}["']?\\s*$`, 'm').test(readFileSync(f, 'utf8')));
    if (found) return found;
  }
  throw new UsageError(`no workflow named ${arg} in ${dir}/ and no such file`);
}

export function registerGraph(program: Command, setExit: SetExit): void {
  program
    .command('graph')
    .description('Draw a workflow from its steps: the trigger as written, step descriptions, conditions on the branches, quiet catches; as Mermaid, Graphviz DOT or SVG')
    .argument('<workflow>', 'a workflow file, or a workflow name in workflows/')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['mermaid', 'dot', 'svg']).default('mermaid'))
    .option('-o, --out <file>', 'write the graph to this file instead of stdout')
    .option('--json', 'print {"file","format","graph"} on stdout ({"file","format","out"} with --out)')
    .action((arg: string, opts: { format: GraphFormat; out?: string; json?: boolean }) =>
      guarded(setExit, () => {
        const path = resolveWorkflowArg(arg);
        const file = relative(process.cwd(), path) || path;
        const r = graphFromSource(readFileSync(path, 'utf8'), file);
        printDiagnostics([{ file, ...r }]);
        if (!r.graph) return 1;
        const graph = RENDER[opts.format](r.graph);
        if (opts.out !== undefined) {
          mkdirSync(dirname(opts.out), { recursive: true });
          writeFileSync(opts.out, graph);
          process.stdout.write(opts.json ? `${JSON.stringify({ file, format: opts.format, out: opts.out })}\n` : `wrote ${opts.out}\n`);
        } else process.stdout.write(opts.json ? `${JSON.stringify({ file, format: opts.format, graph })}\n` : graph);
        return 0;
      }),
    );
}
