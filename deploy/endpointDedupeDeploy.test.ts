import type { CompiledWorkflow } from '../schemas/artifacts';
import { StageConfig } from '../schemas/deployConfig';
import { applyPlan } from './apply';
import { desiredResources } from './desired';
import { fakeAws } from './fakeAws.testkit';
import { taskChainWorkflow } from './taskChainWorkflow.testkit';
import { planChanges } from './plan';
import type { DeployContext } from './resources/types';

const TABLE = 'clinflow-demo-human-task-callbacks';
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:123456789012:table/${TABLE}`;
const ENDPOINT = 'clinflow-demo-fhir-endpoint';

const workflow = taskChainWorkflow;

const config = StageConfig.parse({ stage: 'demo', region: 'us-east-1', environment: { CLINFLOW_FHIR_BASE_URL: 'https://fhir.example.test/r4' } });
type Statement = { Action: string[]; Resource: string[] };

async function deploy(workflows: CompiledWorkflow[]) {
  const aws = fakeAws();
  const ctx: DeployContext = {
    aws: aws.clients,
    target: { stage: 'demo', region: 'us-east-1', account: aws.account },
    bundle: async (entry) => new TextEncoder().encode(`bundle of ${entry}`),
    sleep: async () => {},
  };
  const apply = async () => {
    const plan = await planChanges(desiredResources(workflows, config, aws.account), ctx);
    await applyPlan(plan, ctx);
    return plan;
  };
  await apply();
  const writes = aws.writes();
  const fn = writes.find((w) => w.command === 'CreateFunction' && w.input.FunctionName === ENDPOINT)!.input;
  const policy = writes.find((w) => w.command === 'PutRolePolicy' && w.input.RoleName === `${ENDPOINT}-role`)!.input;
  const statements = (JSON.parse(String(policy.PolicyDocument)) as { Statement: Statement[] }).Statement;
  return { aws, apply, env: (fn.Environment as { Variables: Record<string, string> }).Variables, statements };
}

describe('deploy: the FHIR endpoint gets the stage table to dedupe with', () => {
  it('names the table in its environment and may only PutItem/DeleteItem on it; a second apply writes nothing', async () => {
    const { aws, apply, env, statements } = await deploy([workflow('review', ['fhir.read', 'tasks.await'])]);
    expect(env.CLINFLOW_CALLBACK_TABLE).toBe(TABLE);
    expect(statements.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')))).toEqual([{ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: [TABLE_ARN] }]);
    for (const s of statements) for (const r of s.Resource) expect(r).not.toBe('*');
    aws.resetCalls();
    expect((await apply()).changes).toEqual([]);
    expect(aws.writes()).toEqual([]);
  });

  it('dedupes in every stage: without tasks.await the table is still created, and the endpoint gets the same narrow grant', async () => {
    const { aws, env, statements } = await deploy([workflow('plain', ['fhir.read'])]);
    expect(aws.writes().filter((w) => w.command === 'CreateTable').map((w) => w.input.TableName)).toEqual([TABLE]);
    expect(env.CLINFLOW_CALLBACK_TABLE).toBe(TABLE);
    expect(statements.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:')))).toEqual([{ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: [TABLE_ARN] }]);
  });
});
