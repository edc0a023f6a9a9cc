/**
 * The CLI runs however it is started. Each case spawns a real process the way a user would start
 * it, and asserts its output and exit code (0 clean, 1 problems, 2 usage). A path-dependent
 * "am I the entry point" guard once made `npx clinflow …` print nothing and exit 0; every case here
 * would catch that, because each asserts non-empty output.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const TIMEOUT = 180_000;

function run(cmd: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, NO_COLOR: '1' };
  // Offline: everything needed is on disk; no start-up path may depend on the registry.
  env.npm_config_offline = 'true';
  env.npm_config_audit = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_update_notifier = 'false';
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: TIMEOUT - 10_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout, stderr: r.stderr };
}

describe('the ops commands as an operator runs them', () => {
  it(
    'print the error, not the AWS SDK’s notice about its future Node versions (unless asked for)',
    () => {
      const env = { CLINFLOW_ACCESS_KEY_ID: 'AKIACLINFLOWENTRY001', CLINFLOW_SECRET_ACCESS_KEY: 'entry-test-secret' };
      const quiet = run(process.execPath, ['dist/clinflow.js', 'executions', 'list', '--endpoint', 'http://127.0.0.1:1'], ROOT, env);
      expect(quiet.code).toBe(1);
      expect(quiet.stderr).toMatch(/^clinflow: connect ECONNREFUSED/m);
      expect(quiet.stderr).not.toMatch(/NodeVersionSupportWarning/);
      // The SDK's own switch still decides when it is set: on Node < 22 the notice comes back.
      const asked = run(process.execPath, ['dist/clinflow.js', 'executions', 'list', '--endpoint', 'http://127.0.0.1:1'], ROOT, { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' });
      expect(asked.code).toBe(1);
      expect(asked.stderr.includes('NodeVersionSupportWarning')).toBe(Number(process.versions.node.split('.')[0]) < 22);
    },
    TIMEOUT,
  );
});

describe('clinflow starts however it is started', () => {
  let tmp: string;
  let broken: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'clinflow-entry-'));
    broken = join(tmp, 'broken.yaml');
    // Line 6 is mis-indented: a YAML error the user must be pointed at.
    writeFileSync(broken, 'workflow: broken\nversion: 1\nsteps:\n  - id: a\n    call: fhir.read\n   with: {}\n');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(
    'node dist/clinflow.js: --help and help exit 0 with the usage; an unknown option or no command exits 2',
    () => {
      const help = run(process.execPath, ['dist/clinflow.js', '--help'], ROOT);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: clinflow');
      const bad = run(process.execPath, ['dist/clinflow.js', '--no-such-option'], ROOT);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("unknown option '--no-such-option'");
      // No command at all is a usage error (the usage goes to stderr); asking for help is not.
      const bare = run(process.execPath, ['dist/clinflow.js'], ROOT);
      expect(bare.code).toBe(2);
      expect(bare.stderr).toContain('Usage: clinflow');
      const helpCmd = run(process.execPath, ['dist/clinflow.js', 'help', 'validate'], ROOT);
      expect(helpCmd.code).toBe(0);
      expect(helpCmd.stdout).toContain('Usage: clinflow validate');
    },
    TIMEOUT,
  );

  it(
    'npx clinflow: validate workflows/ exits 0 and says how many it checked',
    () => {
      const r = run('npx', ['clinflow', 'validate', 'workflows/'], ROOT);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/\d+ workflow files checked: 0 errors/);
    },
    TIMEOUT,
  );

  it(
    'npx clinflow validate on a broken file exits 1 with file:line:col',
    () => {
      const r = run('npx', ['clinflow', 'validate', broken], ROOT);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/broken\.yaml:6:\d+: error: /);
    },
    TIMEOUT,
  );

  it(
    'npm exec clinflow: --version exits 0 and prints the version; a usage error exits 2',
    () => {
      const v = run('npm', ['exec', '--', 'clinflow', '--version'], ROOT);
      expect(v.code).toBe(0);
      expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      const u = run('npm', ['exec', '--', 'clinflow', 'validate', '--no-such-option'], ROOT);
      expect(u.code).toBe(2);
    },
    TIMEOUT,
  );

  it(
    'a global install (npm i -g . into a temporary prefix) puts a working `clinflow` on the PATH',
    () => {
      const prefix = join(tmp, 'global');
      const inst = run('npm', ['install', '--global', '--prefix', prefix, ROOT], ROOT);
      expect(inst.code).toBe(0);
      const bin = join(prefix, 'bin');
      const r = run('clinflow', ['validate', broken], tmp, { PATH: `${bin}:${process.env.PATH ?? ''}` });
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/broken\.yaml:6:\d+: error: /);
    },
    TIMEOUT,
  );

  it(
    "another project's node_modules/.bin/clinflow (a file: dependency), directly and via npx",
    () => {
      const proj = join(tmp, 'consumer');
      mkdirSync(proj);
      writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies: { clinflow: `file:${ROOT}` } }));
      // install-links=false: link the checkout (its own node_modules come with it) instead of
      // packing it and fetching ~300 dependencies from the registry.
      const inst = run('npm', ['install', '--install-links=false', '--ignore-scripts'], proj);
      expect(inst.code).toBe(0);
      const direct = run(join(proj, 'node_modules', '.bin', 'clinflow'), ['validate', broken], proj);
      expect(direct.code).toBe(1);
      expect(direct.out).toMatch(/broken\.yaml:6:\d+: error: /);
      const viaNpx = run('npx', ['clinflow', '--help'], proj);
      expect(viaNpx.code).toBe(0);
      expect(viaNpx.stdout).toContain('Usage: clinflow');
    },
    TIMEOUT,
  );
});
