import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { WorkflowError } from '../../schemas/errors';
import type { FhirAuthConfig } from '../../schemas/fhirServerConfig';
import type { FhirPort } from '../../schemas/fhirPort';
import type { Logger, NotifyPort, TaskPorts } from '../../schemas/ports';
import { createFhirPortRouter } from '../../tasks/fhir/createFhirPortRouter';
import { createNotifyRouter } from '../../tasks/notify/createNotifyRouter';
import { createDevChannel } from '../../tasks/notify/devChannel';
import { createWebhookChannel } from '../../tasks/notify/webhookChannel';
import { awsBusPort } from '../aws/ports/awsBusPort';
import { awsExecutionPort } from '../aws/ports/awsExecutionPort';
import { awsSchedulerPort } from '../aws/ports/awsSchedulerPort';
import type { SecretResolver } from './secrets';

export interface LambdaClients {
  scheduler: SchedulerClient;
  events: EventBridgeClient;
  sfn: SFNClient;
}

/**
 * FHIR server auth from the environment. Secrets come from Secrets Manager only:
 * `FHIR_CLIENT_KEY_SECRET_ARN` (SMART backend private key; CLINFLOW_FHIR_CLIENT_ID, optional
 * CLINFLOW_FHIR_KEY_ID, CLINFLOW_FHIR_TOKEN_URL, CLINFLOW_FHIR_SCOPE), else `FHIR_TOKEN_SECRET_ARN`
 * (static bearer token), else no auth.
 */
export async function fhirAuthFromEnv(env: NodeJS.ProcessEnv, secrets: SecretResolver): Promise<FhirAuthConfig> {
  const key = await secrets.byName('FHIR_CLIENT_KEY');
  if (key !== undefined) {
    const clientId = env.CLINFLOW_FHIR_CLIENT_ID;
    if (!clientId) throw new WorkflowError('FHIR.Unauthorized', 'FHIR_CLIENT_KEY_SECRET_ARN is set but CLINFLOW_FHIR_CLIENT_ID is not');
    const privateKey: string | { kty: string } = key.trimStart().startsWith('{') ? (JSON.parse(key) as { kty: string }) : key;
    return {
      type: 'smart-backend',
      clientId,
      privateKey,
      alg: env.CLINFLOW_FHIR_ALG === 'ES384' ? 'ES384' : 'RS384',
      scope: env.CLINFLOW_FHIR_SCOPE ?? 'system/*.rs system/*.cruds',
      assertionLifetimeSeconds: 300,
      refreshSkewSeconds: 30,
      ...(env.CLINFLOW_FHIR_KEY_ID ? { keyId: env.CLINFLOW_FHIR_KEY_ID } : {}),
      ...(env.CLINFLOW_FHIR_TOKEN_URL ? { tokenUrl: env.CLINFLOW_FHIR_TOKEN_URL } : {}),
    };
  }
  const token = await secrets.byName('FHIR_TOKEN');
  return token !== undefined ? { type: 'bearer', token } : { type: 'none' };
}

/** Fails each FHIR call with a named error when the function has no FHIR server configured. */
const unconfiguredFhir: FhirPort = new Proxy({} as FhirPort, {
  get: (_t, prop) => (prop === 'then' ? undefined : () => Promise.reject(new WorkflowError('FHIR.Invalid', 'CLINFLOW_FHIR_BASE_URL is not set for this function'))),
});

/**
 * Notifications: the webhook channel when CLINFLOW_NOTIFY_WEBHOOK_URL is set (signed with the secret
 * of NOTIFY_WEBHOOK_SECRET_ARN), the development log channel otherwise. Every channel name a
 * workflow may use (dev, pager, sms, email, webhook) goes to that one channel, as locally.
 */
export async function notifyFromEnv(env: NodeJS.ProcessEnv, secrets: SecretResolver, log: Logger): Promise<NotifyPort> {
  const url = env.CLINFLOW_NOTIFY_WEBHOOK_URL;
  let channel: NotifyPort;
  if (url) {
    const secret = await secrets.byName('NOTIFY_WEBHOOK');
    if (secret === undefined) throw new WorkflowError('Notify.DeliveryFailed', 'CLINFLOW_NOTIFY_WEBHOOK_URL is set but NOTIFY_WEBHOOK_SECRET_ARN is not');
    // Lambda's own timeout bounds the retries; keep them inside it.
    channel = createWebhookChannel({ url, secret, log, maxAttempts: 3, timeoutMs: 5000 });
  } else channel = createDevChannel(log);
  return createNotifyRouter({ dev: channel, pager: channel, sms: channel, email: channel, webhook: channel }, url ? 'webhook' : 'dev');
}

/** The TaskContext ports of a task function: AWS adapters plus the HTTP FHIR port and notifications. */
export async function taskPortsFromEnv(clients: LambdaClients, env: NodeJS.ProcessEnv, secrets: SecretResolver, log: Logger): Promise<TaskPorts> {
  const bus = env.CLINFLOW_BUS;
  const baseUrl = env.CLINFLOW_FHIR_BASE_URL;
  return {
    scheduler: awsSchedulerPort(clients.scheduler),
    bus: bus ? awsBusPort(clients.events, bus) : { putEvents: () => Promise.reject(new WorkflowError('States.Runtime', 'CLINFLOW_BUS is not set for this function')) },
    executions: awsExecutionPort(clients.sfn),
    fhir: baseUrl ? createFhirPortRouter([{ name: 'default', baseUrl, auth: await fhirAuthFromEnv(env, secrets) }]) : unconfiguredFhir,
    notify: await notifyFromEnv(env, secrets, log),
  };
}
