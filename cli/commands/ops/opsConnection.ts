import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadLocalCredentials } from '../../../api/auth/localCredentials';
import { UsageError } from '../../usageError';

/** Options every ops command takes: where the API is and how to sign. */
export interface ConnectionOptions {
  endpoint?: string;
  dataDir: string;
  stage?: string;
  profile?: string;
  region?: string;
  json?: boolean;
}

export interface Connection {
  sfn: SFNClient;
  events: EventBridgeClient;
  scheduler: SchedulerClient;
  /** The stage's DLQ and its sources (deployed stages only). */
  sqs: SQSClient;
  lambda: LambdaClient;
  /** The deployed stage's name; undefined for the local server or a bare --endpoint. */
  stage?: string | undefined;
  /** The local server (clinflow dev/serve): its extensions (search by FHIR reference) are available. */
  local: boolean;
  region: string;
  dataDir: string;
  /** The state machine name of a workflow on this target. */
  stateMachineName(workflow: string): string;
  /** The reminder schedule group on this target. */
  reminderGroup: string;
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--endpoint <url>', 'API endpoint (default: the local server, CLINFLOW_ENDPOINT or http://127.0.0.1:8080)')
    .option('--data-dir <dir>', 'local data directory (its credentials file signs local requests)', '.clinflow')
    .option('--stage <stage>', 'a deployed AWS stage (AWS endpoints, names clinflow-<stage>-…)')
    .option('--profile <profile>', 'AWS profile for --stage')
    .option('--region <region>', 'AWS region for --stage')
    .option('--json', 'machine-readable JSON output');
}

/**
 * SDK clients for the local server (signed with the local keys: CLINFLOW_ACCESS_KEY_ID/… or
 * `<data-dir>/credentials`) or for a deployed stage (the AWS default credential chain, `--profile`).
 */
export function connect(opts: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  const dataDir = resolve(opts.dataDir);
  const aws = opts.stage !== undefined || opts.profile !== undefined;
  if (aws && opts.profile) process.env.AWS_PROFILE = opts.profile;
  const endpoint = opts.endpoint ?? (aws ? undefined : (env.CLINFLOW_ENDPOINT ?? 'http://127.0.0.1:8080'));
  const region = opts.region ?? (aws ? (env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1') : 'us-east-1');
  let credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  if (!aws) {
    const local = loadLocalCredentials(dataDir, env, false);
    if (!local)
      throw new UsageError(`no local API keys: set CLINFLOW_ACCESS_KEY_ID/CLINFLOW_SECRET_ACCESS_KEY or run \`clinflow dev --data-dir ${opts.dataDir}\` once (it writes ${opts.dataDir}/credentials)`);
    credentials = { accessKeyId: local.operator.accessKeyId, secretAccessKey: local.operator.secretAccessKey };
  }
  const config = { region, maxAttempts: 2, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) };
  const stage = opts.stage;
  return {
    sfn: new SFNClient({ ...config, disableHostPrefix: endpoint !== undefined }),
    events: new EventBridgeClient(config),
    scheduler: new SchedulerClient(config),
    sqs: new SQSClient(config),
    lambda: new LambdaClient(config),
    stage,
    local: !aws,
    region,
    dataDir,
    stateMachineName: (workflow) => (workflow.startsWith('clinflow-') ? workflow : stage ? `clinflow-${stage}-${workflow}` : `clinflow-${workflow}`),
    reminderGroup: stage ? `clinflow-${stage}-reminders` : (env.CLINFLOW_REMINDER_GROUP ?? 'clinflow-reminders'),
  };
}
