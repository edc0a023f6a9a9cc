import type { Command } from 'commander';
import { formatDiagnostic, type Diagnostic } from '../../schemas/diagnostic';
import type { SetExit } from './registry';

export { workflowFiles, compileFiles, type FileResult } from '../loadWorkflows';
import { compileFiles, type FileResult } from '../loadWorkflows';
import { UsageError } from '../usageError';

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function useColour(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

export function renderDiagnostic(d: Diagnostic, colour: boolean): string {
  const text = formatDiagnostic(d);
  if (!colour) return text;
  const sev = d.severity === 'error' ? '\x1b[31merror\x1b[0m' : '\x1b[33mwarning\x1b[0m';
  return text.replace(`: ${d.severity}: `, `: ${sev}: `).replace(/^([^ ]+:\d+:\d+:)/, '\x1b[1m$1\x1b[0m');
}

export function countSeverities(results: readonly FileResult[]): { errors: number; warnings: number } {
  const all = results.flatMap((r) => r.diagnostics);
  return { errors: all.filter((d) => d.severity === 'error').length, warnings: all.filter((d) => d.severity === 'warning').length };
}

export function printDiagnostics(results: readonly FileResult[]): void {
  const colour = useColour(process.stderr);
  for (const r of results) for (const d of r.diagnostics) process.stderr.write(`${renderDiagnostic(d, colour)}\n`);
}

/** Runs a command body, turning UsageError into exit code 2. */
export function guarded(setExit: SetExit, body: () => number): void {
  try {
    setExit(body());
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`clinflow: ${e.message}\n`);
    setExit(2);
  }
}

export function registerValidate(program: Command, setExit: SetExit): void {
  program
    .command('validate')
    .description('Check workflow files (default: workflows/) and report every problem as file:line:col')
    .argument('[paths...]', 'workflow files or directories', ['workflows'])
    .option('--json', 'print [{"file","ok","diagnostics":[…]}] on stdout')
    .action((paths: string[], opts: { json?: boolean }) =>
      guarded(setExit, () => {
        const results = compileFiles(paths);
        const { errors, warnings } = countSeverities(results);
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              results.map((r) => ({ file: r.file, ok: !r.diagnostics.some((d) => d.severity === 'error'), diagnostics: r.diagnostics })),
              null,
              2,
            )}\n`,
          );
        } else {
          printDiagnostics(results);
          process.stdout.write(
            `${results.length} workflow file${results.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`,
          );
        }
        return errors > 0 ? 1 : 0;
      }),
    );
}
