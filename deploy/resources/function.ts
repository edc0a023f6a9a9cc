import { createHash } from 'node:crypto';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import type { AwsClients } from '../aws/clients';
import { isNotFound } from '../aws/clients';
import type { DesiredResource } from '../desired';
import { roleArn, stageTags } from '../names';
import type { ResourceOps } from './types';
import { diffFields, ownedBy } from './types';

export const RUNTIME = 'nodejs20.x';
export const HANDLER = 'index.handler';

export function codeSha256(zip: Uint8Array): string {
  return createHash('sha256').update(zip).digest('base64');
}

export const functionOps: ResourceOps<'function'> = {
  async read(d, ctx) {
    let cfg;
    try {
      cfg = (await ctx.aws.lambda.send(new GetFunctionCommand({ FunctionName: d.name }))).Configuration;
    } catch (err) {
      if (isNotFound(err)) return { exists: false };
      throw err;
    }
    const zip = await ctx.bundle(d.entry);
    const changes = diffFields({
      Code: [cfg?.CodeSha256, codeSha256(zip)],
      Role: [cfg?.Role, roleArn(ctx.target, d.roleName)],
      Environment: [sortKeys(cfg?.Environment?.Variables ?? {}), sortKeys(d.environment)],
      MemorySize: [cfg?.MemorySize, d.memoryMb],
      Timeout: [cfg?.Timeout, d.timeoutSeconds],
      Runtime: [cfg?.Runtime, RUNTIME],
      Handler: [cfg?.Handler, HANDLER],
    });
    if (d.functionUrl) {
      try {
        await ctx.aws.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: d.name }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        changes.push('FunctionUrl');
      }
    }
    if (d.invokedByRule && !(await hasRulePermission(d.name, ctx.aws))) changes.push('RulePermission');
    if (d.asyncInvoke && !(await hasAsyncInvokeConfig(d.name, d.asyncInvoke, ctx.aws))) changes.push('AsyncInvoke');
    return { exists: true, changes };
  },
  async create(d, ctx) {
    const zip = await ctx.bundle(d.entry);
    await ctx.aws.lambda.send(
      new CreateFunctionCommand({
        FunctionName: d.name,
        Runtime: RUNTIME,
        Handler: HANDLER,
        Role: roleArn(ctx.target, d.roleName),
        Code: { ZipFile: zip },
        Environment: { Variables: sortKeys(d.environment) },
        MemorySize: d.memoryMb,
        Timeout: d.timeoutSeconds,
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Tags: stageTags(ctx.target),
      }),
    );
    if (d.functionUrl) await createUrl(d.name, ctx.aws);
    if (d.invokedByRule) await allowRule(d.name, d.invokedByRule, ctx.aws);
    if (d.asyncInvoke) await putAsyncInvokeConfig(d.name, d.asyncInvoke, ctx.aws);
  },
  async update(d, ctx, changes) {
    if (changes.includes('Code')) {
      await ctx.aws.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: d.name, ZipFile: await ctx.bundle(d.entry) }));
    }
    if (changes.some((c) => ['Role', 'Environment', 'MemorySize', 'Timeout', 'Runtime', 'Handler'].includes(c))) {
      await ctx.aws.lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: d.name,
          Runtime: RUNTIME,
          Handler: HANDLER,
          Role: roleArn(ctx.target, d.roleName),
          Environment: { Variables: sortKeys(d.environment) },
          MemorySize: d.memoryMb,
          Timeout: d.timeoutSeconds,
        }),
      );
    }
    if (changes.includes('FunctionUrl')) await createUrl(d.name, ctx.aws);
    if (changes.includes('RulePermission') && d.invokedByRule) await allowRule(d.name, d.invokedByRule, ctx.aws);
    if (changes.includes('AsyncInvoke') && d.asyncInvoke) await putAsyncInvokeConfig(d.name, d.asyncInvoke, ctx.aws);
  },
  async listOwned({ aws, target }) {
    const names: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await aws.lambda.send(new ListFunctionsCommand(Marker ? { Marker } : {}));
      for (const f of page.Functions ?? []) {
        if (!f.FunctionName?.startsWith(`clinflow-${target.stage}-`) || !f.FunctionArn) continue;
        const tags = (await aws.lambda.send(new ListTagsCommand({ Resource: f.FunctionArn }))).Tags;
        if (ownedBy(tags, target)) names.push(f.FunctionName);
      }
      Marker = page.NextMarker;
    } while (Marker);
    return names.sort();
  },
  async remove(name, { aws }) {
    await aws.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  },
};

/** The FHIR endpoint authenticates each sender itself (bearer or HMAC), so the URL is public. */
async function createUrl(name: string, aws: AwsClients): Promise<void> {
  await aws.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE' }));
  await aws.lambda.send(
    new AddPermissionCommand({ FunctionName: name, StatementId: 'clinflow-public-url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }),
  );
}

const RULE_STATEMENT = 'clinflow-bus-rule';

/** The bus rule invokes the function through its resource policy, scoped to that one rule. */
async function allowRule(name: string, ruleArn: string, aws: AwsClients): Promise<void> {
  await aws.lambda.send(
    new AddPermissionCommand({ FunctionName: name, StatementId: RULE_STATEMENT, Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: ruleArn }),
  );
}

async function hasRulePermission(name: string, aws: AwsClients): Promise<boolean> {
  let policy;
  try {
    policy = (await aws.lambda.send(new GetPolicyCommand({ FunctionName: name }))).Policy;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  const statements = (JSON.parse(policy ?? '{}') as { Statement?: { Sid?: string }[] }).Statement ?? [];
  return statements.some((s) => s.Sid === RULE_STATEMENT);
}

type AsyncInvoke = NonNullable<Extract<DesiredResource, { kind: 'function' }>['asyncInvoke']>;

/**
 * Put (not Update) replaces the whole config, so what is read back is exactly what was sent. The
 * OnFailure destination is sent with the function's role, which may send to that one queue only.
 */
async function putAsyncInvokeConfig(name: string, want: AsyncInvoke, aws: AwsClients): Promise<void> {
  await aws.lambda.send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: name,
      MaximumRetryAttempts: want.maximumRetryAttempts,
      DestinationConfig: { OnFailure: { Destination: want.onFailure } },
    }),
  );
}

async function hasAsyncInvokeConfig(name: string, want: AsyncInvoke, aws: AwsClients): Promise<boolean> {
  let cfg;
  try {
    cfg = await aws.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name }));
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  return cfg.MaximumRetryAttempts === want.maximumRetryAttempts && cfg.DestinationConfig?.OnFailure?.Destination === want.onFailure && !cfg.DestinationConfig.OnSuccess?.Destination;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
