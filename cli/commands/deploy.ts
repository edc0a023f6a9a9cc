import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatDiagnostic } from '../../schemas/diagnostic';
import { StageConfig } from '../../schemas/deployConfig';
import { DeployError, explainAwsError } from '../../deploy/errors';
import type { Synthesized } from '../../deploy/template/synth';
import { loadWorkflows } from '../loadWorkflows';
import type { SetExit } from './registry';

interface DeployOptions {
  stage: string;
  region: string;
  config?: string;
  dryRun?: boolean;
  json?: boolean;
  purge?: boolean;
  keepChangeSet?: boolean;
  out?: string;
  workflows: string;
}

/**
 * Whether the SDK's default chain could find credentials, decided without any network call, so a
 * machine with none fails fast with advice instead of probing instance metadata.
 */
export function credentialsConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return true;
  if (env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return true;
  const home = env.HOME ?? homedir();
  return [env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'), env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config')].some((f) => existsSync(f));
}

function stageConfig(opts: DeployOptions): StageConfig {
  const fromFile = opts.config ? (JSON.parse(readFileSync(opts.config, 'utf8')) as Record<string, unknown>) : {};
  const parsed = StageConfig.safeParse({ ...fromFile, stage: opts.stage, region: opts.region });
  if (!parsed.success) {
    throw new DeployError(`invalid stage configuration: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const warn = (s: string): void => void process.stderr.write(`warning: ${s}\n`);

/** Synthesizes the stage: with `bundle` false (dry run), the zips are not built and their keys are placeholders. */
async function synth(opts: DeployOptions, config: StageConfig, bundle: boolean, validateSchemas = false): Promise<Synthesized> {
  // Loaded on use: aws-cdk-lib and esbuild are heavy for every other command.
  const { synthesize } = await import('../../deploy/template/synth');
  const { bundleFunction } = await import('../../deploy/bundle');
  const loaded = loadWorkflows([opts.workflows]);
  for (const d of loaded.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (loaded.failed) throw new DeployError('the workflows have errors: fix them (clinflow validate) before deploying');
  const s = await synthesize(loaded.workflows, config, { now: new Date(), purge: opts.purge ?? false, bundle: bundle ? bundleFunction : null, validate: validateSchemas });
  for (const w of s.warnings) warn(w);
  return s;
}

/** What `plan --dry-run` prints: every resource of the template, without AWS. */
async function summary(s: Synthesized, config: StageConfig): Promise<string> {
  const { formatDryRun } = await import('../../deploy/template/summary');
  return `Dry run: stage ${config.stage} in ${config.region}, against an empty account (stack ${s.stackName}).\n${formatDryRun(s)}`;
}

async function run(action: 'synth' | 'plan' | 'apply' | 'destroy', opts: DeployOptions, setExit: SetExit): Promise<void> {
  const config = stageConfig(opts);
  if (action === 'synth') {
    if (!opts.out) throw new DeployError('--out DIR is required: the folder to write template.json and assets/ to');
    const { writeSynthesized } = await import('../../deploy/template/synth');
    const s = await synth(opts, config, true, true);
    const written = writeSynthesized(resolve(opts.out), s);
    out(`Wrote ${written[0]} (${Object.keys(s.template.Resources as object).length} resources) and ${s.assets.length} Lambda zips under ${join(resolve(opts.out), 'assets')}.`);
    out(
      `Deploy it with clinflow deploy apply, or: aws s3 sync ${join(opts.out, 'assets')} s3://BUCKET/ && aws cloudformation deploy --template-file ${join(opts.out, 'template.json')} --stack-name ${s.stackName} --capabilities CAPABILITY_NAMED_IAM --parameter-overrides AssetBucket=BUCKET (docs/DEPLOY.md)`,
    );
    return;
  }
  if (opts.dryRun) {
    if (action !== 'plan') throw new DeployError('--dry-run goes with `deploy plan` only');
    const s = await synth(opts, config, false);
    const { dryRunJson } = await import('../../deploy/template/summary');
    out(opts.json ? JSON.stringify(dryRunJson(s)) : await summary(s, config));
    return;
  }
  if (!credentialsConfigured()) {
    throw new DeployError(`${explainAwsError(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }))}`);
  }
  const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
  const { S3Client } = await import('@aws-sdk/client-s3');
  const stage = await import('../../deploy/stageDeploy');
  const { formatChangeSet } = await import('../../deploy/changeSet');
  const clientConfig = { region: config.region, maxAttempts: 5 };
  const deps = {
    cfn: new CloudFormationClient(clientConfig),
    s3: new S3Client(clientConfig),
    region: config.region,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    progress: (line: string) => (opts.json ? undefined : out(line)),
    now: () => new Date(),
  };
  try {
    if (action === 'destroy') {
      const { stackName } = await import('../../deploy/template/buildStack');
      const existed = await stage.destroyStage(deps, stackName(config.stage));
      out(
        existed
          ? `Destroyed stack ${stackName(config.stage)}. Kept (DeletionPolicy Retain, PHI and audit data): the stage table, the log groups and the stage key; delete them by hand after your retention period, or apply with --purge first. The artifact bucket (stack ${stackName(config.stage)}-bootstrap) stays too.`
          : `No stack ${stackName(config.stage)} in ${config.region}: nothing to destroy.`,
      );
      return;
    }
    const s = await synth(opts, config, action === 'apply');
    const result = await stage.deployStage(deps, s, { action, stage: config.stage, ...(config.kmsKeyArn ? { kmsKeyArn: config.kmsKeyArn } : {}), keepChangeSet: opts.keepChangeSet ?? false });
    if (!result.changeSet) {
      out(`Stage ${config.stage} is not deployed yet (no artifact bucket): apply creates the bootstrap stack, then every resource below.\n${await summary(s, config)}`);
      return;
    }
    out(opts.json ? JSON.stringify(result.changeSet) : formatChangeSet(result.changeSet));
    if (action === 'plan' && opts.keepChangeSet && result.changeSet.changes.length) out(`Kept change set ${result.changeSet.changeSetName} for review in the CloudFormation console.`);
    if (action === 'apply') out(result.changeSet.changes.length ? `Applied: stack ${s.stackName} is up to date.` : `Nothing to apply: stack ${s.stackName} already matches.`);
    setExit(0);
  } catch (err) {
    if (err instanceof DeployError) throw err;
    throw new DeployError(explainAwsError(err), { cause: err });
  }
}

export function registerDeploy(program: Command, setExit: SetExit): void {
  const deploy = program.command('deploy').description('Put the compiled workflows on AWS as a CloudFormation stack: Step Functions, EventBridge, Scheduler and Lambda.');
  const describe: Record<'synth' | 'plan' | 'apply' | 'destroy', string> = {
    synth: 'write the CloudFormation template and the Lambda zips to --out (no AWS calls)',
    plan: 'create a change set against the stage stack and print it (--dry-run: the template summary, no credentials)',
    apply: 'bootstrap the artifact bucket, upload, create and execute the change set, wait (CloudFormation rolls back on failure)',
    destroy: 'delete the stage stack (the table, log groups and key are retained)',
  };
  for (const action of ['synth', 'plan', 'apply', 'destroy'] as const) {
    const cmd = deploy
      .command(action)
      .description(describe[action])
      .requiredOption('--stage <name>', 'stage name, e.g. demo or prod')
      .requiredOption('--region <region>', 'AWS region, e.g. us-east-1')
      .option('--config <file>', 'stage configuration JSON (environment, secrets by ARN, KMS key, Lambda sizes and runtime)')
      .option('--workflows <dir>', 'folder of workflow YAML files', 'workflows');
    if (action === 'synth') cmd.option('--out <dir>', 'folder for template.json and assets/');
    if (action === 'synth' || action === 'apply') cmd.option('--purge', 'delete the table, log groups and key with the stack (default: retained)');
    if (action === 'plan') {
      cmd.option('--dry-run', 'print the template summary without calling AWS');
      cmd.option('--keep-change-set', 'leave the change set for review in the console');
    }
    if (action === 'plan') cmd.option('--json', 'machine-readable output');
    cmd.action(async (opts: DeployOptions) => {
      try {
        await run(action, opts, setExit);
      } catch (err) {
        process.stderr.write(`clinflow deploy ${action}: ${err instanceof Error ? err.message : String(err)}\n`);
        setExit(1);
      }
    });
  }
}
