import { FHIR_ENDPOINT, HUMAN_TASK_RESUME } from './names';

/** The secrets deploy/lambda reads by name (`<NAME>_SECRET_ARN`): FHIR server auth, and the notification webhook's signing key. */
export const FHIR_SECRETS = ['FHIR_CLIENT_KEY', 'FHIR_TOKEN'] as const;
export const NOTIFY_SECRETS = ['NOTIFY_WEBHOOK'] as const;
/** Plain settings that only a notifying function may have (notifyFromEnv requires the webhook secret when the URL is set). */
export const NOTIFY_SETTINGS = ['CLINFLOW_NOTIFY_WEBHOOK_URL'] as const;

/** Tasks that call the FHIR server (ctx.ports.fhir), by their handlers in tasks/. */
const usesFhir = (entry: string): boolean => entry.startsWith('fhir.') || entry.startsWith('tasks.') || ['reminders.plan', 'reminders.send', 'reminders.replenish', HUMAN_TASK_RESUME].includes(entry);
/** Tasks that send notifications (ctx.ports.notify). */
const notifies = (entry: string): boolean => entry === 'notify.send' || entry === 'reminders.send';

const SECRET_REF = /\$secret:([A-Z_][A-Z0-9_]*)/g;
const SECRET_ARN = /arn:aws[a-z-]*:secretsmanager:[^"\s]+/g;

/**
 * The secrets one function may read: its task's own (FHIR auth for FHIR callers, the webhook key for
 * notifiers), and for the FHIR endpoint the secrets its sender configuration (CLINFLOW_SOURCES)
 * references by `$secret:NAME` or by ARN. A function never gets another task's secrets.
 */
export function secretsFor(entry: string, secrets: Readonly<Record<string, string>>, environment: Readonly<Record<string, string>>): { names: string[]; arns: string[] } {
  const names = new Set<string>();
  const arns = new Set<string>();
  if (usesFhir(entry)) for (const n of FHIR_SECRETS) names.add(n);
  if (notifies(entry)) for (const n of NOTIFY_SECRETS) names.add(n);
  if (entry === FHIR_ENDPOINT) {
    const sources = environment.CLINFLOW_SOURCES ?? '';
    for (const m of sources.matchAll(SECRET_REF)) names.add(m[1] ?? '');
    for (const m of sources.matchAll(SECRET_ARN)) arns.add(m[0]);
  }
  const granted = [...names].filter((n) => secrets[n] !== undefined).sort();
  for (const n of granted) arns.add(secrets[n] ?? '');
  return { names: granted, arns: [...arns].sort() };
}

/** Whether a function may see a plain setting (the webhook URL goes to notifiers only). */
export const settingFor = (entry: string, key: string): boolean => !(NOTIFY_SETTINGS as readonly string[]).includes(key) || notifies(entry);
