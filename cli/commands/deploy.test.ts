import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsConfigured } from './deploy';

const ROOT = join(__dirname, '..', '..');
/** An environment with no AWS credentials anywhere, and instance metadata switched off. */
function bareEnv(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'home-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
  return env;
}
const clinflow = (args: string[], env = bareEnv()) => spawnSync(process.execPath, [join(ROOT, 'bin', 'clinflow.cjs'), ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });

describe('clinflow deploy', () => {
  it('plans the shipped workflows with --dry-run, without credentials', () => {
    const r = clinflow(['deploy', 'plan', '--dry-run', '--stage', 'demo', '--region', 'us-east-1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\+ create stateMachine\s+clinflow-demo-medication-reminders/);
    expect(r.stdout).toMatch(/\+ create rule\s+clinflow-demo-medication-reminders/);
    expect(r.stdout).toMatch(/\+ create schedule\s+clinflow-demo-nightly-overdue-tasks/);
    expect(r.stdout).toMatch(/\+ create function\s+clinflow-demo-fhir-endpoint/);
    expect(r.stdout).toMatch(/Plan: \d+ to create, 0 to update, 0 to delete, 0 unchanged\./);
  });

  it('exits non-zero with advice when there are no credentials and no --dry-run', () => {
    const r = clinflow(['deploy', 'plan', '--stage', 'demo', '--region', 'us-east-1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no AWS credentials found: set AWS_PROFILE .* --dry-run/);
  });

  it('refuses a bad stage name with the field and the rule', () => {
    const r = clinflow(['deploy', 'plan', '--dry-run', '--stage', 'Bad Stage', '--region', 'us-east-1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/invalid stage configuration: stage: a lowercase name/);
  });

  it('finds credentials from the environment or shared files without a network call', () => {
    expect(credentialsConfigured({ HOME: '/nonexistent' })).toBe(false);
    expect(credentialsConfigured({ HOME: '/nonexistent', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' })).toBe(true);
    expect(credentialsConfigured({ HOME: '/nonexistent', AWS_PROFILE: 'dev' })).toBe(true);
  });
});
