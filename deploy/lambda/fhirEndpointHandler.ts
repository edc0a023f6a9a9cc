import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { systemClock } from '../../core/clock/systemClock';
import { createLogger } from '../../core/log/createLogger';
import { awsBusPort } from '../aws/ports/awsBusPort';
import { createDynamoDedupe } from './dynamoDedupe';
import { createFhirEndpoint, endpointConfigFromEnv, type FunctionUrlEvent, type FunctionUrlResult } from './fhirEndpoint';
import { createSecretResolver } from './secrets';

let endpoint: ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) | undefined;

/** Entry point of the FHIR notification endpoint function (Lambda function URL, payload format 2.0). */
export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  if (!endpoint) {
    const env = process.env;
    const secrets = createSecretResolver(new SecretsManagerClient({}), env);
    endpoint = createFhirEndpoint({
      bus: awsBusPort(new EventBridgeClient({}), env.CLINFLOW_BUS ?? ''),
      clock: systemClock,
      log: createLogger({ bindings: { component: 'fhir-endpoint' } }),
      config: () => endpointConfigFromEnv(env, secrets),
      // The stage's table (deploy/desired.ts passes it when the stage has one): re-deliveries publish once.
      ...(env.CLINFLOW_CALLBACK_TABLE ? { dedupe: createDynamoDedupe(new DynamoDBClient({}), env.CLINFLOW_CALLBACK_TABLE) } : {}),
    });
  }
  return endpoint(event);
}

/** Tests only: forget the container state so the next call reads the environment afresh. */
export function resetFhirEndpointHandlerForTests(): void {
  endpoint = undefined;
}
