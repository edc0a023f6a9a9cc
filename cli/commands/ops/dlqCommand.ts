import type { Command } from 'commander';
import { listDeadLetters as listLocal, parseDeadLetterRef, redriveDeadLetter } from '../../../api/services/deadLetterRedrive';
import type { SetExit } from '../registry';
import { auditLocally } from './localAudit';
import { openLocalDatabase } from './localDatabase';
import { addConnectionOptions, connect, type ConnectionOptions } from './opsConnection';
import { formatTable, toJson } from './output';
import { runOps } from './runOps';
import { listStageDeadLetters, redriveStageDeadLetters } from './stageDlq';
import { UsageError } from '../../usageError';

/** Dead letters of the local bus and scheduler, without their payloads. */
export function listDeadLetters(dataDir: string): ReturnType<typeof listLocal> {
  const db = openLocalDatabase(dataDir);
  try {
    return listLocal(db);
  } finally {
    db.close();
  }
}

const parseLimit = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
  return n;
};

interface RedriveOptions extends ConnectionOptions {
  all?: boolean;
  dryRun?: boolean;
  limit: string;
}

/**
 * Locally: puts dead letters (`bus:<id>`, `scheduler:<id>`, or `--all`) back in their delivery
 * queue, where the running server (or the next start) delivers them again; each redrive is audited.
 * On a stage: the SQS DLQ (stageDlq.ts), whose calls CloudTrail records under the caller's identity.
 */
async function redrive(ref: string | undefined, opts: RedriveOptions): Promise<number> {
  if ((ref === undefined) === !opts.all) throw new UsageError('give one dead letter (see `clinflow dlq list`) or --all');
  const limit = parseLimit(opts.limit);
  if (opts.stage !== undefined) {
    const rows = await redriveStageDeadLetters(connect(opts), { ...(ref ? { id: ref } : {}), dryRun: Boolean(opts.dryRun), limit });
    if (ref !== undefined && rows.length === 0) throw new UsageError(`no message ${ref} among the first ${limit} of the stage DLQ`);
    process.stdout.write(opts.json ? toJson(rows) : formatTable(rows as unknown as Record<string, string>[], ['id', 'source', 'target', 'outcome', 'error']));
    return rows.some((r) => r.outcome === 'failed') ? 1 : 0;
  }
  const one = ref === undefined ? undefined : parseDeadLetterRef(ref);
  if (ref !== undefined && !one) throw new UsageError(`${ref}: a dead letter is bus:<id> or scheduler:<id> (see \`clinflow dlq list\`)`);
  const db = openLocalDatabase(opts.dataDir);
  let rows;
  try {
    const all = listLocal(db);
    const chosen = one ? all.filter((d) => d.source === one.source && d.id === one.id) : all.slice(0, limit);
    if (one && chosen.length === 0) throw new UsageError(`no dead letter ${ref}`);
    rows = chosen.map((d) => ({ ref: d.ref, from: d.from, target: d.target, error: d.error, outcome: opts.dryRun ? 'would redrive' : redriveDeadLetter(db, d, Date.now()) ? 'redriven' : 'gone' }));
  } finally {
    db.close();
  }
  if (!opts.dryRun)
    for (const r of rows) auditLocally(opts.dataDir, { action: 'RedriveDeadLetter', resource: `dlq/${r.ref}`, outcome: r.outcome === 'redriven' ? 'ok' : 'NotFound', params: { ref: r.ref } });
  process.stdout.write(opts.json ? toJson(rows) : formatTable(rows, ['ref', 'from', 'target', 'error', 'outcome']));
  return 0;
}

export function registerDlq(program: Command, setExit: SetExit): void {
  const cmd = program.command('dlq').description('Dead letters: deliveries that failed for good. List them, and redrive them once the cause is fixed.');
  addConnectionOptions(
    cmd
      .command('list')
      .description("dead letters of the local bus and scheduler, or of a stage's SQS DLQ (no payloads: they may hold PHI)")
      .option('--limit <n>', "at most n (a stage's queue is sampled: SQS returns what it has at hand)", '100'),
  ).action((opts: ConnectionOptions & { limit: string }) =>
    runOps(setExit, async () => {
      const limit = parseLimit(opts.limit);
      if (opts.stage !== undefined) {
        const rows = (await listStageDeadLetters(connect(opts), limit)).map(({ id, source, from, target, error }) => ({ id, source, from, target, error }));
        process.stdout.write(opts.json ? toJson(rows) : formatTable(rows, ['id', 'source', 'from', 'target', 'error']));
        return;
      }
      const rows = listDeadLetters(opts.dataDir).slice(0, limit);
      process.stdout.write(opts.json ? toJson(rows) : formatTable(rows as unknown as Record<string, string | number>[], ['ref', 'from', 'target', 'error', 'attempts', 'failedAt']));
    }),
  );
  addConnectionOptions(
    cmd
      .command('redrive [deadLetter]')
      .description('deliver dead letters again: one (bus:<id>, scheduler:<id>; on a stage its SQS MessageId) or --all')
      .option('--all', 'every dead letter (up to --limit)')
      .option('--dry-run', 'show what would be redriven, change nothing')
      .option('--limit <n>', 'at most n', '100'),
  ).action((ref: string | undefined, opts: RedriveOptions) => runOps(setExit, () => redrive(ref, opts)));
}
