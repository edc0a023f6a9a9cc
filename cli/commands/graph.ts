import { Option, type Command } from 'commander';
import { renderGraph, type GraphFormat } from '../../compiler/graph';
import type { SetExit } from './registry';
import { compileFiles, guarded, printDiagnostics, UsageError } from './validate';

export function registerGraph(program: Command, setExit: SetExit): void {
  program
    .command('graph')
    .description('Draw a workflow: its trigger, states, branches and catches, as Mermaid or Graphviz DOT')
    .argument('<file>', 'a workflow file')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .option('--json', 'print {"file","format","graph"} on stdout')
    .action((file: string, opts: { format: GraphFormat; json?: boolean }) =>
      guarded(setExit, () => {
        const results = compileFiles([file]);
        const r = results[0];
        if (!r || results.length !== 1) throw new UsageError(`graph takes one workflow file, not ${file}`);
        printDiagnostics(results);
        if (!r.artifact) return 1;
        const graph = renderGraph(r.artifact, opts.format);
        process.stdout.write(opts.json ? `${JSON.stringify({ file: r.file, format: opts.format, graph })}\n` : graph);
        return 0;
      }),
    );
}
