import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { runUntilSignal } from './dev';
import { addConnectionOptions, type ConnectionOptions } from './ops/opsConnection';
import type { SetExit } from './registry';

interface ConsoleOptions extends ConnectionOptions {
  port: string;
}

/**
 * `clinflow console --stage S`: the web console on its own port against a deployed stage (or any
 * `--endpoint`, e.g. a `clinflow serve` elsewhere) through the ops commands' SDK clients. Its own
 * audit trail (who in the console did what) is kept in `<data-dir>/clinflow.db`; AWS records the
 * API calls themselves (CloudTrail) under the credentials used.
 */
export async function runConsole(opts: ConsoleOptions, out: (line: string) => void = (l) => void process.stdout.write(`${l}\n`)): Promise<() => Promise<void>> {
  const { connect } = await import('./ops/opsConnection');
  const { sdkConsoleBackend } = await import('../console/sdkConsoleBackend');
  const { createConsoleHandler } = await import('../../console/createConsoleHandler');
  const { loadConsoleTokens } = await import('../../console/auth/consoleTokens');
  const { openDatabase } = await import('../../core/db/openDatabase');
  const { AuditLog } = await import('../../api/audit/auditLog');
  const conn = connect(opts);
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tokens = loadConsoleTokens(process.env, dataDir, true);
  const db = openDatabase(join(dataDir, 'clinflow.db'));
  const audit = new AuditLog(db);
  const handler = createConsoleHandler({ backend: sdkConsoleBackend(conn), tokens: tokens.tokens, audit: (e) => void audit.append(e) });
  const server = createServer((req, res) => {
    if (handler.handle(req, res)) return;
    res.writeHead(302, { Location: '/console' });
    res.end();
  });
  await new Promise<void>((r, j) => {
    server.once('error', j);
    server.listen(Number(opts.port), '127.0.0.1', r);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/console`;
  out(`clinflow console: ${opts.stage ? `stage ${opts.stage} (${conn.region})` : (opts.endpoint ?? 'the local server')}`);
  out(`  web console         ${url}${tokens.generated ? `  (token for this run: ${tokens.generated})` : '  (sign in with your CLINFLOW_CONSOLE_TOKEN(S) token)'}`);
  out('ready');
  return async () => {
    handler.close();
    await new Promise<void>((r) => server.close(() => r()));
    db.close();
  };
}

export function registerConsole(program: Command, setExit: SetExit): void {
  addConnectionOptions(
    program
      .command('console')
      .description('Serve the web console against a deployed stage (--stage) or another server (--endpoint); `clinflow dev` serves it at /console already')
      .option('--port <port>', 'port of the console on 127.0.0.1', '8090'),
  ).action(async (opts: ConsoleOptions) => {
    try {
      const stop = await runConsole(opts);
      await runUntilSignal(stop, setExit);
    } catch (err) {
      process.stderr.write(`clinflow console: ${err instanceof Error ? err.message : String(err)}\n`);
      setExit(2);
    }
  });
}
