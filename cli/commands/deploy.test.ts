import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
// Generous: the CLI loads aws-cdk-lib, and the machine may be running other suites at the same time.
const clinflow = (args: string[], env = bareEnv(), timeout = 180_000) => spawnSync(process.execPath, [join(ROOT, 'dist', 'clinflow.js'), ...args], { cwd: ROOT, env, encoding: 'utf8', timeout });

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
    expect(r.stdout).toMatch(/Template: \d+ CloudFormation resources \(.*\d+ AWS::StepFunctions::StateMachine,/);
  }, 200_000);

  it('synth writes the template and the Lambda zips, without credentials', () => {
    const out = mkdtempSync(join(tmpdir(), 'synth-'));
    const r = clinflow(['deploy', 'synth', '--stage', 'demo', '--region', 'us-east-1', '--out', out], bareEnv(), 540_000);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key: string } } }> };
    const fns = Object.values(template.Resources).filter((x) => x.Type === 'AWS::Lambda::Function');
    expect(fns.length).toBeGreaterThan(5);
    for (const fn of fns) expect(existsSync(join(out, 'assets', fn.Properties.Code!.S3Key))).toBe(true);
  }, 600_000);

  it('plan --dry-run warns on a deprecated Lambda runtime', () => {
    const cfg = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'stage.json');
    writeFileSync(cfg, JSON.stringify({ lambda: { runtime: 'nodejs20.x' } }));
    const r = clinflow(['deploy', 'plan', '--dry-run', '--stage', 'demo', '--region', 'us-east-1', '--config', cfg]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: runtime nodejs20.x was deprecated by Lambda on 2026-04-30/);
  }, 200_000);

  it('exits non-zero with advice when there are no credentials and no --dry-run', () => {
    const r = clinflow(['deploy', 'plan', '--stage', 'demo', '--region', 'us-east-1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no AWS credentials found: set AWS_PROFILE .* --dry-run/);
  }, 200_000);

  it('refuses a bad stage name with the field and the rule', () => {
    const r = clinflow(['deploy', 'plan', '--dry-run', '--stage', 'Bad Stage', '--region', 'us-east-1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/invalid stage configuration: stage: a lowercase name/);
  }, 200_000);

  it('finds credentials from the environment or shared files without a network call', () => {
    expect(credentialsConfigured({ HOME: '/nonexistent' })).toBe(false);
    expect(credentialsConfigured({ HOME: '/nonexistent', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' })).toBe(true);
    expect(credentialsConfigured({ HOME: '/nonexistent', AWS_PROFILE: 'dev' })).toBe(true);
  });
});
