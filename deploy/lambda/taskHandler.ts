import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createLogger } from '../../core/log/createLogger';
import { systemClock } from '../../core/clock/systemClock';
import { awsCorrelationPort } from '../aws/ports/awsCorrelationPort';
import { createDynamoCallbackStore } from './dynamoCallbackStore';
import { createSecretResolver } from './secrets';
import { createTaskFunction, type LambdaContextLike } from './taskFunction';
import { taskPortsFromEnv } from './taskPorts';

// Module scope: one set of clients, secrets and ports per Lambda container, reused across invocations.
let fn: ((event: unknown, context: LambdaContextLike) => Promise<unknown>) | undefined;

/**
 * Entry point of every task function. The bundle bakes the task name in (CLINFLOW_BUNDLED_TASK);
 * unbundled (tests, tsx) it comes from CLINFLOW_TASK, which deploy sets too.
 */
export async function handler(event: unknown, context: LambdaContextLike): Promise<unknown> {
  if (!fn) {
    const env = process.env;
    const task = process.env.CLINFLOW_BUNDLED_TASK ?? env.CLINFLOW_TASK ?? '';
    const log = createLogger({ bindings: { component: 'task-function', task } });
    const clients = { scheduler: new SchedulerClient({}), events: new EventBridgeClient({}), sfn: new SFNClient({}) };
    const secrets = createSecretResolver(new SecretsManagerClient({}), env);
    const table = env.CLINFLOW_CALLBACK_TABLE;
    fn = createTaskFunction({
      task,
      env,
      clock: systemClock,
      log,
      ports: () => taskPortsFromEnv(clients, env, secrets, log),
      correlation: awsCorrelationPort(clients.sfn),
      ...(table ? { callbacks: createDynamoCallbackStore(new DynamoDBClient({}), table) } : {}),
    });
  }
  return fn(event, context);
}

/** Tests only: forget the container state so the next call reads the environment afresh. */
export function resetTaskHandlerForTests(): void {
  fn = undefined;
}
