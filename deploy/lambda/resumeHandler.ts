import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { systemClock } from '../../core/clock/systemClock';
import { createLogger } from '../../core/log/createLogger';
import { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import type { FhirPort } from '../../schemas/fhirPort';
import { createFhirPortRouter } from '../../tasks/fhir/createFhirPortRouter';
import { resumeOnTaskChange, type ResumeResult } from '../../tasks/human/resumeOnTaskChange';
import { awsExecutionPort } from '../aws/ports/awsExecutionPort';
import { createDynamoCallbackStore } from './dynamoCallbackStore';
import { taskError } from './lambdaError';
import { createSecretResolver } from './secrets';
import { fhirAuthFromEnv } from './taskPorts';

let fn: ((event: unknown) => Promise<ResumeResult>) | undefined;

/**
 * Entry point of the `human-task-resume` function: the stage bus rule for `detail.resourceType =
 * Task` invokes it with the FHIR change event, and it resumes the execution parked on that Task
 * (tasks/human/resumeOnTaskChange.ts) with the DynamoDB callback store. EventBridge invokes it
 * asynchronously, so an error makes Lambda retry the event (twice, set by deploy's event invoke
 * config), and an event that still fails goes to the stage dead-letter queue rather than being
 * dropped. A token is claimed once, so a retried or duplicated event cannot resume twice; a token
 * past its expiresAt counts as absent (dynamoCallbackStore.ts).
 */
export async function handler(event: unknown): Promise<ResumeResult> {
  if (!fn) {
    const env = process.env;
    const table = env.CLINFLOW_CALLBACK_TABLE;
    const baseUrl = env.CLINFLOW_FHIR_BASE_URL;
    if (!table || !baseUrl) throw taskError('States.Runtime', 'the resume function needs CLINFLOW_CALLBACK_TABLE and CLINFLOW_FHIR_BASE_URL');
    const log = createLogger({ bindings: { component: 'human-task-resume' } });
    const secrets = createSecretResolver(new SecretsManagerClient({}), env);
    const callbacks = createDynamoCallbackStore(new DynamoDBClient({}), table);
    const executions = awsExecutionPort(new SFNClient({}));
    let fhir: Promise<FhirPort> | undefined;
    fn = async (e) => {
      const raw = e !== null && typeof e === 'object' && 'detail' in e ? e.detail : e;
      const detail = FhirChangeDetail.safeParse(raw);
      if (!detail.success) throw taskError('States.Runtime', 'the event carries no FHIR change detail');
      if (!fhir) {
        fhir = fhirAuthFromEnv(env, secrets).then((auth) => createFhirPortRouter([{ name: 'default', baseUrl, auth }]));
        fhir.catch(() => (fhir = undefined));
      }
      // server: the same value tasks.await records (taskFunction.ts), so an event naming no server is checked against it.
      return resumeOnTaskChange(detail.data, { fhir: await fhir, executions, callbacks, log, now: () => systemClock.now(), server: baseUrl.replace(/\/+$/, '') });
    };
  }
  return fn(event);
}

/** Tests only: forget the container state so the next call reads the environment afresh. */
export function resetResumeHandlerForTests(): void {
  fn = undefined;
}
