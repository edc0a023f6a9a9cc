import type { Command } from 'commander';
import type { SetExit } from '../registry';
import { UsageError } from './opsConnection';
import { openLocalDatabase } from './localDatabase';
import { formatTable, toJson } from './output';
import { runOps } from './runOps';

interface DeadLetterView {
  source: 'bus' | 'scheduler';
  id: number;
  target: string;
  error: string;
  attempts: number;
  failedAt: string;
  /** The rule or schedule that was delivering. */
  from: string;
}

/** Dead letters of the local bus and scheduler (the local stand-ins for the stage's SQS DLQ), without their payloads. */
export function listDeadLetters(dataDir: string): DeadLetterView[] {
  const db = openLocalDatabase(dataDir);
  try {
    const has = (t: string): boolean => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
    const out: DeadLetterView[] = [];
    if (has('bus_dead_letters')) {
      for (const r of db.prepare('SELECT id, rule, target_arn, target_id, error_code, attempts, failed_at FROM bus_dead_letters ORDER BY id').all() as Record<string, string | number | null>[]) {
        out.push({ source: 'bus', id: Number(r.id), target: String(r.target_arn ?? r.target_id), error: String(r.error_code), attempts: Number(r.attempts), failedAt: new Date(Number(r.failed_at)).toISOString(), from: `rule/${String(r.rule)}` });
      }
    }
    if (has('scheduler_dead_letters')) {
      for (const r of db.prepare('SELECT id, schedule_arn, target, reason, attempts, dead_at_ms FROM scheduler_dead_letters ORDER BY id').all() as Record<string, string | number | null>[]) {
        let target = '';
        try {
          target = String((JSON.parse(String(r.target)) as { Arn?: string }).Arn ?? '');
        } catch {
          target = '';
        }
        out.push({ source: 'scheduler', id: Number(r.id), target, error: String(r.reason), attempts: Number(r.attempts), failedAt: new Date(Number(r.dead_at_ms)).toISOString(), from: String(r.schedule_arn).split(':').pop() ?? '' });
      }
    }
    return out;
  } finally {
    db.close();
  }
}

export function registerDlq(program: Command, setExit: SetExit): void {
  const cmd = program.command('dlq').description('Dead letters: deliveries that failed for good.');
  cmd
    .command('list')
    .description('dead letters of the local bus and scheduler (no payloads: they may hold PHI)')
    .option('--data-dir <dir>', 'local data directory', '.clinflow')
    .option('--stage <stage>', 'a deployed stage (its SQS DLQ): not supported yet')
    .option('--json', 'machine-readable JSON output')
    .action((opts: { dataDir: string; stage?: string; json?: boolean }) =>
      runOps(setExit, () => {
        if (opts.stage) throw new UsageError('dlq list --stage: reading a stage\'s SQS DLQ is not supported yet; use the SQS console or `aws sqs receive-message`');
        const rows = listDeadLetters(opts.dataDir);
        process.stdout.write(opts.json ? toJson(rows) : formatTable(rows as unknown as Record<string, string | number>[], ['source', 'id', 'from', 'target', 'error', 'attempts', 'failedAt']));
        return Promise.resolve();
      }),
    );
}
