import type { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { isWorkflowTestFile } from '../../schemas/workflowTest';

import type { SetExit } from './registry';
import { UsageError } from '../usageError';

/**
 * The test files a target names: a `*.test.yaml`, a workflow file (its sibling test), a folder
 * (every test file in it), or a workflow name (`workflows/<name>.test.yaml`). No target: `workflows/`.
 */
export function testFilesFor(targets: readonly string[], workflowsDir = 'workflows'): string[] {
  const out: string[] = [];
  const inDir = (dir: string) =>
    readdirSync(dir)
      .filter((f) => isWorkflowTestFile(f))
      .sort()
      .map((f) => join(dir, f));
  for (const t of targets.length ? targets : [workflowsDir]) {
    if (existsSync(t) && statSync(t).isDirectory()) {
      out.push(...inDir(t));
      continue;
    }
    const candidates = isWorkflowTestFile(t) ? [t] : /\.ya?ml$/.test(t) ? [t.replace(/\.ya?ml$/, '.test.yaml')] : [join(workflowsDir, `${t}.test.yaml`)];
    const found = candidates.find((c) => existsSync(c));
    if (!found) throw new UsageError(`no test file for '${t}' (looked for ${candidates.join(', ')})`);
    out.push(found);
  }
  if (!out.length) throw new UsageError(`no *.test.yaml files in ${targets.join(', ') || workflowsDir}`);
  return [...new Set(out)];
}

/** `clinflow test [targets…]`: runs workflow tests on a simulated clock; exit 0 all passed, 1 a test failed, 2 usage or an invalid test file. */
export function registerTest(program: Command, setExit: SetExit): void {
  program
    .command('test')
    .description('Run workflow tests (workflows/<name>.test.yaml) on a simulated clock against the FHIR sandbox')
    .argument('[targets...]', 'test files, workflow files, folders or workflow names (default: every workflows/*.test.yaml)')
    .option('-t, --name <text>', 'only tests whose name contains this text')
    .option('--json', 'print the results as JSON on stdout')
    .action(async (targets: string[], opts: { name?: string; json?: boolean }) => {
      let files: string[];
      try {
        files = testFilesFor(targets);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`clinflow test: ${err.message}\n`);
        setExit(2);
        return;
      }
      // Loaded here, not at start-up: the runtime (sandbox, engine) is heavy for other commands.
      const { runTestFile } = await import('../../testing/runTestFile');
      const report = await import('../../testing/report');
      const t0 = Date.now();
      const results = [];
      for (const file of files) {
        const display = relative(process.cwd(), resolve(file)) || file;
        if (!opts.json) process.stdout.write(`${display}\n`);
        const r = await runTestFile(
          file,
          { workflowsDir: dirname(resolve(file)), ...(opts.name ? { filter: opts.name } : {}), ...(opts.json ? {} : { onResult: (t) => process.stdout.write(`${report.formatTestResult(t)}\n`) }) },
          display,
        );
        if (!opts.json && r.diagnostics.length) process.stderr.write(`${report.formatDiagnostics(r)}\n`);
        results.push(r);
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(report.toJsonReport(results), null, 2)}\n`);
      else process.stdout.write(`\n${report.formatSummary(results, Date.now() - t0)}\n`);
      setExit(report.exitCodeOf(results));
    });
}
