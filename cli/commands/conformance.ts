import type { Command } from 'commander';
import type { ConformanceSummary } from '../../schemas/conformance';
import type { SetExit } from './registry';

type Runner = (file: string) => Promise<ConformanceSummary>;

/** Suite → its runner, loaded on use so one suite's dependencies don't load for another. */
const suites: Record<string, () => Promise<Runner>> = {
  asl: async () => (await import('../../engine/interpreter/conformance/runAslConformance')).runAslConformance,
  eventbridge: async () => (await import('../../engine/bus/conformance/runEventBridgeConformance')).runEventBridgeConformance,
  'fhir-notifications': async () => (await import('../../triggers/conformance/runFhirNotificationConformance')).runFhirNotificationConformance,
  timing: async () => (await import('../../tasks/reminders/conformance/runTimingConformance')).runTimingConformance,
};

export function formatSummary(suite: string, s: ConformanceSummary): string {
  const lines = [`${suite}: ${s.passed}/${s.total} passed (${s.total ? ((100 * s.passed) / s.total).toFixed(1) : '0.0'}%)`];
  for (const [cat, c] of Object.entries(s.byCategory)) {
    lines.push(`  ${cat.padEnd(28)} ${String(c.passed).padStart(5)}/${String(c.total).padEnd(5)} ${c.failed ? `${c.failed} failed` : ''}`.trimEnd());
  }
  if (s.failures.length) lines.push(`failed: ${s.failures.join(', ')}`);
  return lines.join('\n');
}

export function registerConformance(program: Command, setExit: SetExit): void {
  const conf = program.command('conformance').description('Run a conformance case file and report pass rates by category.');
  for (const [suite, load] of Object.entries(suites)) {
    conf
      .command(`${suite} <file>`)
      .description(`run ${suite} conformance cases from FILE`)
      .option('--json', 'print {"total","passed","failed","byCategory","failures"}')
      .action(async (file: string, opts: { json?: boolean }) => {
        const summary = await (await load())(file);
        process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(suite, summary)}\n`);
        setExit(summary.failed > 0 ? 1 : 0);
      });
  }
}
