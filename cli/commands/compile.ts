import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { SetExit } from './registry';
import { compileFiles, countSeverities, guarded, printDiagnostics } from './validate';

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function registerCompile(program: Command, setExit: SetExit): void {
  program
    .command('compile')
    .description('Compile workflows to <name>.asl.json, <name>.trigger.json and <name>.manifest.json in DIR')
    .argument('[paths...]', 'workflow files or directories', ['workflows'])
    .requiredOption('-o, --out <dir>', 'output directory (created when missing)')
    .option('--json', 'print {"written":[…],"files":[{"file","workflow","diagnostics"}]} on stdout')
    .action((paths: string[], opts: { out: string; json?: boolean }) =>
      guarded(setExit, () => {
        const results = compileFiles(paths);
        const written: string[] = [];
        const seen = new Map<string, string>();
        let duplicate = false;
        for (const r of results) {
          if (!r.artifact) continue;
          const name = r.artifact.name;
          const first = seen.get(name);
          if (first) {
            process.stderr.write(`${r.file}:1:1: error: workflow '${name}' is also defined in ${first}\n`);
            duplicate = true;
            continue;
          }
          seen.set(name, r.file);
          mkdirSync(opts.out, { recursive: true });
          const outputs: [string, unknown][] = [
            [`${name}.asl.json`, r.artifact.definition],
            [`${name}.trigger.json`, r.artifact.trigger],
            [
              `${name}.manifest.json`,
              { ...r.artifact.manifest, name, stateMachineName: r.artifact.stateMachineName, ...(r.artifact.description !== undefined ? { description: r.artifact.description } : {}) },
            ],
          ];
          for (const [file, value] of outputs) {
            writeFileSync(join(opts.out, file), json(value));
            written.push(join(opts.out, file));
          }
        }
        const { errors, warnings } = countSeverities(results);
        if (opts.json) {
          process.stdout.write(json({ written, files: results.map((r) => ({ file: r.file, workflow: r.artifact?.name ?? null, diagnostics: r.diagnostics })) }));
        } else {
          printDiagnostics(results);
          process.stdout.write(
            `${seen.size} of ${results.length} workflow${results.length === 1 ? '' : 's'} compiled to ${opts.out}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
          );
        }
        return errors > 0 || duplicate ? 1 : 0;
      }),
    );
}
