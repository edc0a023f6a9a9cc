import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatDiagnostic } from '../../schemas/diagnostic';
import { SimulatedClock } from '../../engine/clock/simulatedClock';
import type { SetExit } from './registry';

const DAY = 86_400_000;

/**
 * `clinflow run WORKFLOW --event FILE`: one execution of one workflow against a sample event, in a
 * throw-away in-memory engine with the FHIR sandbox, on a simulated clock (a two-day wait takes no
 * time). Prints the execution history; exit 0 when it succeeded.
 */
export function registerRun(program: Command, setExit: SetExit): void {
  program
    .command('run <workflow>')
    .description('Run one workflow once against a sample event and print its history.')
    .requiredOption('--event <file>', 'JSON file: the execution input (e.g. a FHIR change event)')
    .option('--fhir-url <url>', 'FHIR server to use instead of the seeded sandbox')
    .option('--json', 'print the history as JSON')
    .action(async (file: string, opts: { event: string; fhirUrl?: string; json?: boolean }) => {
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(resolve(opts.event), 'utf8'));
      } catch (err) {
        process.stderr.write(`clinflow run: --event ${opts.event}: ${err instanceof Error ? err.message : String(err)}\n`);
        setExit(2);
        return;
      }
      const { createRuntime } = require('../runtime/createRuntime') as typeof import('../runtime/createRuntime');
      const clock = new SimulatedClock(Date.UTC(2026, 0, 5, 14, 0, 0));
      const runtime = await createRuntime({
        dataDir: ':memory:',
        workflowsDir: resolve(file),
        clock,
        sandbox: opts.fhirUrl ? false : { seed: { seed: 7, patients: 3 } },
        ...(opts.fhirUrl ? { fhirServer: { name: 'default', baseUrl: opts.fhirUrl } } : {}),
      });
      try {
        for (const d of runtime.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
        const deployment = runtime.deployments[0];
        if (!deployment) {
          setExit(1);
          return;
        }
        const { executionArn } = await runtime.engine.startExecution({ stateMachineArn: deployment.stateMachineArn, name: 'run', input: JSON.stringify(input) });
        const deadline = clock.now() + 400 * DAY;
        while (runtime.engine.describeExecution({ executionArn }).status === 'RUNNING' && clock.now() < deadline) {
          const next = runtime.engine.nextTimerAt();
          await runtime.advanceTo(next ?? clock.now() + DAY);
        }
        const history = runtime.engine.getExecutionHistory({ executionArn, maxResults: 1000, includeExecutionData: true }).events;
        const result = runtime.engine.describeExecution({ executionArn });
        if (opts.json) process.stdout.write(`${JSON.stringify({ status: result.status, output: result.output, error: result.error, cause: result.cause, history })}\n`);
        else {
          const t0 = history[0]?.timestamp.getTime() ?? 0;
          for (const e of history) {
            const details = Object.values(e).find((v) => v && typeof v === 'object' && !(v instanceof Date)) as { name?: string; error?: string } | undefined;
            process.stdout.write(`${String(e.id).padStart(4)}  +${fmt(e.timestamp.getTime() - t0).padEnd(10)} ${e.type.padEnd(28)} ${details?.name ?? details?.error ?? ''}\n`);
          }
          process.stdout.write(`\n${result.status}${result.error ? `: ${String(result.error)}${result.cause ? ` — ${String(result.cause)}` : ''}` : ''}\n`);
          if (result.output !== undefined) process.stdout.write(`output: ${String(result.output)}\n`);
        }
        setExit(result.status === 'SUCCEEDED' ? 0 : 1);
      } finally {
        await runtime.close();
      }
    });
}

function fmt(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 3_600_000) return `${(ms / 1000).toFixed(0)}s`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}
