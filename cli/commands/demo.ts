import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import type { DemoSummary } from '../demo/runDemoScenario';
import type { SetExit } from './registry';

/** What the demo promises a person watching it; any broken promise makes it exit 1. */
export function demoProblems(s: DemoSummary): string[] {
  const problems: string[] = [];
  if (s.orders.some((o) => o.planned === 0)) problems.push('an active order got no reminders planned');
  if (s.reminders.length === 0) problems.push('no reminder was sent');
  if (s.stopped.schedulesAfter !== 0) problems.push(`the stopped order still has ${s.stopped.schedulesAfter} schedules`);
  if (s.stopped.sentAfterStop !== 0) problems.push('a reminder was sent after its order stopped');
  if (s.deleted.schedulesAfter !== 0) problems.push(`the deleted order still has ${s.deleted.schedulesAfter} schedules`);
  if (s.deleted.sentAfterDelete !== 0) problems.push('a reminder was sent after its order was deleted');
  const slots = s.reminders.map((r) => `${r.order}|${r.localTime}`);
  if (new Set(slots).size !== slots.length) problems.push('a reminder was sent twice');
  const { accepted, unacknowledged } = s.abnormalLab;
  if (accepted.task === undefined || unacknowledged.task === undefined) problems.push('a critical potassium got no care-team task');
  if (accepted.escalations !== 0) problems.push('a critical potassium accepted in time was escalated anyway');
  if (accepted.status !== 'accepted') problems.push(`the accepted care-team task ended ${accepted.status}`);
  if (unacknowledged.escalations !== 1) problems.push(`the unacknowledged critical potassium was escalated ${unacknowledged.escalations} times, not once`);
  if (unacknowledged.status !== 'cancelled') problems.push(`the timed-out care-team task was left ${unacknowledged.status}, not cancelled`);
  if (s.nightly.runs < 1) problems.push('the nightly job did not run');
  if (!s.nightly.overdueFound.some((n) => n > 0)) problems.push('the nightly job found no overdue task');
  if (!s.nightly.reminded.some((r) => r.task === accepted.task)) problems.push("the nightly job did not remind the overdue task's owner");
  for (const [w, counts] of Object.entries(s.executions)) if (counts.FAILED || counts.TIMED_OUT || counts.ABORTED) problems.push(`workflow ${w} had failed executions`);
  for (const section of s.sections ?? []) problems.push(...section.problems);
  return problems;
}

export function registerDemo(program: Command, setExit: SetExit): void {
  program
    .command('demo')
    .description('Run a scripted scenario (orders, reminders, a stopped and a deleted order, two abnormal labs, the nightly job) on a simulated clock, and summarise it.')
    .option('--data-dir <dir>', 'journal folder (default: a fresh temporary folder, removed afterwards)')
    .option('--workflows <dir>', 'workflow folder', 'workflows')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { dataDir?: string; workflows: string; json?: boolean }) => {
      const { DEMO_START, formatDemoSummary, runDemoScenario } = await import('../demo/runDemoScenario');
      const { createRuntime } = await import('../runtime/createRuntime');
      const dataDir = opts.dataDir ? resolve(opts.dataDir) : mkdtempSync(join(tmpdir(), 'clinflow-demo-'));
      const clock = new SimulatedClock(DEMO_START);
      const runtime = await createRuntime({
        dataDir,
        workflowsDir: resolve(opts.workflows),
        clock,
        sandbox: { seed: { seed: 7, patients: 3, at: DEMO_START } },
      });
      try {
        const summary = await runDemoScenario(runtime, clock);
        const problems = demoProblems(summary);
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ ...summary, problems })}\n`
            : `${formatDemoSummary(summary)}\n${problems.length ? `\nPROBLEMS:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` : '\nAll demo checks passed.\n'}`,
        );
        setExit(problems.length ? 1 : 0);
      } finally {
        await runtime.close();
        if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
