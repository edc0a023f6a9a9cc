import type { Command } from 'commander';
import { AuditLog } from '../../../api/audit/auditLog';
import type { SetExit } from '../registry';

import { openLocalDatabase } from './localDatabase';
import { formatTable, parseSince, toJson } from './output';
import { runOps } from './runOps';
import { UsageError } from '../../usageError';

interface AuditOptions {
  dataDir: string;
  json?: boolean;
}

/** `clinflow audit list|verify`: the local API's audit trail (who read or changed which execution, from where). */
export function registerAudit(program: Command, setExit: SetExit): void {
  const cmd = program.command('audit').description('Read and verify the audit trail of the local API (append-only, hash-chained).');
  cmd
    .command('list')
    .description('audit rows, newest first')
    .option('--data-dir <dir>', 'local data directory', '.clinflow')
    .option('--execution <arn>', 'only rows about this execution (or resource)')
    .option('--access-key <id>', 'only rows of this caller')
    .option('--since <time>', 'ISO 8601 or 2h, 30m, 7d')
    .option('--limit <n>', 'at most n rows', '100')
    .option('--json', 'machine-readable JSON output')
    .action((opts: AuditOptions & { execution?: string; accessKey?: string; since?: string; limit: string }) =>
      runOps(setExit, () => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
        let sinceMs: number | undefined;
        try {
          sinceMs = opts.since === undefined ? undefined : parseSince(opts.since);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        const db = openLocalDatabase(opts.dataDir);
        try {
          const rows = new AuditLog(db).list({
            limit,
            ...(opts.execution ? { resource: opts.execution } : {}),
            ...(opts.accessKey ? { accessKey: opts.accessKey } : {}),
            ...(sinceMs === undefined ? {} : { sinceMs }),
          });
          if (opts.json) process.stdout.write(toJson(rows));
          else
            process.stdout.write(
              formatTable(
                rows.map((r) => ({
                  seq: r.seq,
                  time: new Date(r.atMs).toISOString(),
                  key: r.accessKey,
                  from: r.sourceIp,
                  action: `${r.service}:${r.action}`,
                  kind: r.kind,
                  outcome: r.outcome,
                  resource: r.resource || undefined,
                })),
                ['seq', 'time', 'key', 'from', 'action', 'kind', 'outcome', 'resource'],
              ),
            );
        } finally {
          db.close();
        }
        return Promise.resolve();
      }),
    );
  cmd
    .command('verify')
    .description('check every row against the hash chain (exit 1 when a row was changed, removed or reordered)')
    .option('--data-dir <dir>', 'local data directory', '.clinflow')
    .option('--json', 'machine-readable JSON output')
    .action((opts: AuditOptions) =>
      runOps(setExit, () => {
        const db = openLocalDatabase(opts.dataDir);
        try {
          const result = new AuditLog(db).verify();
          if (opts.json) process.stdout.write(toJson(result));
          else if (result.ok) process.stdout.write(`audit trail intact: ${result.rows} rows verified\n`);
          else process.stdout.write(`audit trail TAMPERED: row ${result.firstBad?.seq}: ${result.firstBad?.reason} (${result.rows} rows read)\n`);
          return Promise.resolve(result.ok ? 0 : 1);
        } finally {
          db.close();
        }
      }),
    );
}
