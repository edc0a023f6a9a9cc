import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostic } from '../../schemas/diagnostic';
import { StageConfig } from '../../schemas/deployConfig';
import { DeployError, explainAwsError } from '../../deploy/errors';
import type { Plan } from '../../deploy/plan';
import type { DeployContext } from '../../deploy/resources/types';
import { loadWorkflows } from '../loadWorkflows';
import type { SetExit } from './registry';

interface DeployOptions {
  stage: string;
  region: string;
  config?: string;
  dryRun?: boolean;
  json?: boolean;
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

async function run(action: 'plan' | 'apply' | 'destroy', opts: DeployOptions, setExit: SetExit): Promise<void> {
  // Loaded on use: the AWS SDK clients and esbuild are heavy for every other command.
  const { applyPlan } = require('../../deploy/apply') as typeof import('../../deploy/apply');
  const { createAwsClients } = require('../../deploy/aws/clients') as typeof import('../../deploy/aws/clients');
  const { cachedBundler } = require('../../deploy/bundle') as typeof import('../../deploy/bundle');
  const { desiredResources } = require('../../deploy/desired') as typeof import('../../deploy/desired');
  const { formatPlan, planChanges, planDestroy, planFromScratch } = require('../../deploy/plan') as typeof import('../../deploy/plan');
  const { GetCallerIdentityCommand } = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  const config = stageConfig(opts);
  const loaded = loadWorkflows([opts.workflows]);
  for (const d of loaded.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (loaded.failed) throw new DeployError('the workflows have errors: fix them (clinflow validate) before deploying');

  if (opts.dryRun) {
    if (action !== 'plan') throw new DeployError('--dry-run goes with `deploy plan` only');
    const plan = planFromScratch(desiredResources(loaded.workflows, config, '000000000000'));
    out(opts.json ? JSON.stringify(jsonPlan(plan)) : `Dry run: stage ${config.stage} in ${config.region}, against an empty account (account id shown as 000000000000).\n${formatPlan(plan)}`);
    return;
  }
  if (!credentialsConfigured()) {
    throw new DeployError(`${explainAwsError(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }))}`);
  }
  const aws = createAwsClients(config.region);
  let account: string;
  try {
    account = (await aws.sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
  } catch (err) {
    throw new DeployError(`cannot identify the AWS account: ${explainAwsError(err)}`, { cause: err });
  }
  const ctx: DeployContext = { aws, target: { stage: config.stage, region: config.region, account }, bundle: cachedBundler() };
  let plan: Plan;
  try {
    plan = action === 'destroy' ? await planDestroy(ctx) : await planChanges(desiredResources(loaded.workflows, config, account), ctx);
  } catch (err) {
    throw new DeployError(`reading the account failed: ${explainAwsError(err)}`, { cause: err });
  }
  out(opts.json ? JSON.stringify(jsonPlan(plan)) : `Stage ${config.stage} in ${config.region} (account ${account}):\n${formatPlan(plan)}`);
  if (action === 'plan' || plan.changes.length === 0) return;
  await applyPlan(plan, ctx, (c) => {
    if (!opts.json) out(`  done: ${c.action} ${c.kind} ${c.name}`);
  });
  if (!opts.json) out(`${action === 'destroy' ? 'Destroyed' : 'Applied'}: ${plan.changes.length} changes.`);
  setExit(0);
}

function jsonPlan(plan: Plan): unknown {
  return { changes: plan.changes.map((c) => ({ action: c.action, kind: c.kind, name: c.name, ...(c.action === 'update' ? { fields: c.changes } : {}) })), unchanged: plan.unchanged };
}

export function registerDeploy(program: Command, setExit: SetExit): void {
  const deploy = program.command('deploy').description('Put the compiled workflows on AWS: Step Functions, EventBridge, Scheduler and Lambda.');
  for (const action of ['plan', 'apply', 'destroy'] as const) {
    deploy
      .command(action)
      .description(
        action === 'plan' ? 'show what apply would create, update and delete' : action === 'apply' ? 'make exactly the planned changes (idempotent)' : 'delete everything tagged with this app and stage',
      )
      .requiredOption('--stage <name>', 'stage name, e.g. demo or prod')
      .requiredOption('--region <region>', 'AWS region, e.g. us-east-1')
      .option('--config <file>', 'stage configuration JSON (environment, secrets by ARN, KMS key, Lambda sizes)')
      .option('--workflows <dir>', 'folder of workflow YAML files', 'workflows')
      .option('--json', 'machine-readable plan')
      .option('--dry-run', action === 'plan' ? 'plan against an empty account without calling AWS' : '(goes with plan only)')
      .action(async (opts: DeployOptions) => {
        try {
          await run(action, opts, setExit);
        } catch (err) {
          process.stderr.write(`clinflow deploy ${action}: ${err instanceof Error ? err.message : String(err)}\n`);
          setExit(1);
        }
      });
  }
}
