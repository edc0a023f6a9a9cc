import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { COMMANDS, registerCommands } from './registry';

const ROOT = join(__dirname, '..', '..');

describe('command registry', () => {
  it('lists each command under the names its module registers, and no other', async () => {
    for (const entry of COMMANDS) {
      const program = new Command('clinflow');
      (await entry.load())(program, () => undefined);
      expect(program.commands.map((c) => c.name()).sort()).toEqual(Object.keys(entry.summaries).sort());
    }
  });

  it('registers only the named command’s module, or a stub per command when none is named', async () => {
    const only = new Command('clinflow');
    await registerCommands(only, () => undefined, ['validate', '--strict', 'workflows/']);
    expect(only.commands.map((c) => c.name())).toEqual(['validate']);
    const help = new Command('clinflow');
    await registerCommands(help, () => undefined, ['help', 'dlq']);
    expect(help.commands.map((c) => c.name()).sort()).toEqual(['audit', 'dlq', 'executions', 'reminders', 'tasks']);
    const stubs = new Command('clinflow');
    await registerCommands(stubs, () => undefined, ['--help']);
    expect(stubs.commands.map((c) => c.name())).toEqual(COMMANDS.flatMap((c) => Object.keys(c.summaries)));
    expect(stubs.commands.every((c) => c.summary().length > 10)).toBe(true);
  });

  it('`clinflow --help` from the build loads no command module: not the compiler, zod, yaml, fhirpath or the AWS SDK', () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'clinflow-trace-')), 'imports.txt');
    const r = spawnSync(process.execPath, ['--import', './test/support/traceImports.mjs', 'dist/clinflow.js', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CLINFLOW_TRACE_IMPORTS: trace },
    });
    expect(r.stdout).toContain('Usage: clinflow');
    const loaded = readFileSync(trace, 'utf8').trim().split('\n');
    // The trace works: it saw the entry point and commander.
    expect(loaded.some((u) => u.endsWith('/dist/clinflow.js'))).toBe(true);
    expect(loaded.some((u) => u.includes('/node_modules/commander/'))).toBe(true);
    const heavy = loaded.filter((u) => /node_modules\/(zod|yaml|fhirpath|antlr4|@aws-sdk|better-sqlite3|pino|luxon|@medplum)\//.test(u));
    expect(heavy).toEqual([]);
    expect(new Set(loaded).size).toBeLessThan(15);
  });
});
