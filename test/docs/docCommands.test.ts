/**
 * Every command README.md and docs/ tell a reader to type, run as typed in a temporary copy of the
 * repository (its node_modules reused, `../shared` linked beside it when present), with a timeout,
 * checked against docCommandExpectations.ts: exit code, what it prints, files it writes. A
 * long-running command (`npm start`) runs until it prints `ready` and is then stopped. A command
 * the docs show without an expectation, or an expectation for a command the docs no longer show,
 * fails the suite.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeWithShared, sharedRoot } from '../support/sharedCorpus';
import { commandsInDocs, type DocCommand } from './commandsInDocs';
import { DOC_COMMAND_EXPECTATIONS, type CommandExpectation } from './docCommandExpectations';

const ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_TIMEOUT = 120_000;
/** Not copied: installed or generated, or version control. */
const NOT_COPIED = new Set(['node_modules', '.git', '.clinflow', 'dist', 'coverage', '.data']);

const commands = commandsInDocs(ROOT);

interface Outcome {
  code: number | null;
  out: string;
  timedOut: boolean;
  sawUntil: boolean;
}

/** The environment every command runs in: no AWS credentials or network, an ephemeral port, no colour. */
function commandEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('AWS_') || k.startsWith('JEST_') || k === 'NODE_ENV' || k.startsWith('npm_')) continue;
    env[k] = v;
  }
  return {
    ...env,
    NO_COLOR: '1',
    CLINFLOW_PORT: '0',
    // The SDK must find no credentials and never ask the instance metadata service (a non-loopback address).
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    ...extra,
  };
}

function runShell(command: string, cwd: string, exp: CommandExpectation): Promise<Outcome> {
  return new Promise((resolve) => {
    // Its own process group, so stopping it stops npm, the shell and node together.
    const child = spawn('bash', ['-c', command], { cwd, env: commandEnv(exp.env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const outcome: Outcome = { code: null, out: '', timedOut: false, sawUntil: false };
    const signal = (s: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, s);
      } catch {
        // already gone
      }
    };
    let hardStop: NodeJS.Timeout | undefined;
    const onData = (chunk: Buffer): void => {
      outcome.out += chunk.toString('utf8');
      if (exp.until && !outcome.sawUntil && exp.until.test(outcome.out)) {
        outcome.sawUntil = true;
        signal('SIGINT'); // Ctrl-C, as the README says
        hardStop = setTimeout(() => signal('SIGKILL'), 20_000);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      outcome.timedOut = true;
      signal('SIGKILL');
    }, exp.timeoutMs ?? DEFAULT_TIMEOUT);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (hardStop) clearTimeout(hardStop);
      outcome.code = code;
      resolve(outcome);
    });
  });
}

/** What a command printed, without npm's own `> pkg@version script` banner. */
const ownOutput = (out: string): string =>
  out
    .split('\n')
    .filter((l) => !/^> /.test(l))
    .join('\n')
    .trim();

let copy: string;
let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'clinflow-docs-'));
  copy = path.join(work, 'clinflow');
  cpSync(ROOT, copy, { recursive: true, filter: (src) => !(path.dirname(src) === ROOT && NOT_COPIED.has(path.basename(src))) });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  // The docs refer to the corpora as ../shared.
  if (existsSync(sharedRoot())) symlinkSync(sharedRoot(), path.join(work, 'shared'), 'dir');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('commands in README.md and docs/', () => {
  it('finds the commands of the README (the extraction is not silently empty)', () => {
    expect(commands.filter((c) => c.file === 'README.md').length).toBeGreaterThanOrEqual(10);
    expect(commands.map((c) => c.text)).toEqual(expect.arrayContaining(['npm start', 'npx clinflow validate workflows/']));
  });

  it('has no expectation left for a command the docs no longer show', () => {
    const shown = new Set(commands.map((c) => c.text));
    expect(Object.keys(DOC_COMMAND_EXPECTATIONS).filter((k) => !shown.has(k))).toEqual([]);
  });
});

function check(c: DocCommand, exp: CommandExpectation): void {
  const run = exp.instead?.run ?? c.text;
  it(`${c.file}:${c.line} \`${c.text}\`${exp.instead ? ` (runs \`${run}\`: ${exp.instead.why})` : ''}`, async () => {
    expect(exp.prints.length).toBeGreaterThan(0);
    const r = await runShell(run, copy, exp);
    const context = `\`${run}\` (${c.file}:${c.line}) printed:\n${r.out.slice(-4000)}`;
    if (r.timedOut) throw new Error(`timed out after ${exp.timeoutMs ?? DEFAULT_TIMEOUT} ms${exp.until ? ` without printing ${exp.until}` : ''}; ${context}`);
    if (exp.until) expect({ sawUntil: r.sawUntil, context }).toEqual({ sawUntil: true, context });
    else expect({ exit: r.code, context }).toEqual({ exit: exp.exit ?? 0, context });
    // A command that prints nothing does nothing a reader can see: that is a failure, whatever its exit code.
    expect({ printedSomething: ownOutput(r.out) !== '', context }).toEqual({ printedSomething: true, context });
    for (const want of exp.prints) {
      if (typeof want === 'string') expect({ contains: want, found: r.out.includes(want), context }).toEqual({ contains: want, found: true, context });
      else expect({ matches: String(want), found: want.test(r.out), context }).toEqual({ matches: String(want), found: true, context });
    }
    for (const f of exp.creates ?? []) expect({ file: f, exists: existsSync(path.join(copy, f)) }).toEqual({ file: f, exists: true });
  }, (exp.timeoutMs ?? DEFAULT_TIMEOUT) + 30_000);
}

describe('each command does what the docs say', () => {
  // A command shown twice (the Quick start and the Development table both show `npm test`) runs once.
  const once = [...new Map(commands.map((c) => [c.text, c] as const).reverse()).values()].reverse();
  for (const c of once) {
    const exp = DOC_COMMAND_EXPECTATIONS[c.text];
    if (!exp) {
      it(`${c.file}:${c.line} \`${c.text}\` has an expectation`, () => {
        throw new Error(`${c.file}:${c.line} shows \`${c.text}\`, which test/docs/docCommandExpectations.ts does not know: add an entry saying what it prints and its exit code`);
      });
    } else if (exp.needsShared) {
      describeWithShared(exp.needsShared, `needs ../shared/${exp.needsShared}`, () => check(c, exp));
    } else check(c, exp);
  }
});
