import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessKey } from './sigv4';

/** Profile names in `<data-dir>/credentials`, which is an AWS shared-credentials file. */
export const OPERATOR_PROFILE = 'clinflow-local';
export const READONLY_PROFILE = 'clinflow-local-readonly';
export const SERVICE_PROFILE = 'clinflow-local-service';

export interface LocalCredentials {
  operator: AccessKey;
  readOnly?: AccessKey;
  /** For clinflow's own components (AWS adapters pointed at the local server): may publish `clinflow.*` events. */
  service?: AccessKey;
  /** Where they came from: `env`, or the credentials file's path. */
  source: string;
  /** True when this call generated the file. */
  generated: boolean;
}

export function credentialsFile(dataDir: string): string {
  return join(dataDir, 'credentials');
}

/** Parses the INI of an AWS shared-credentials file into profile → key. */
export function parseCredentialsFile(text: string): Map<string, AccessKey> {
  const out = new Map<string, AccessKey>();
  let profile: string | undefined;
  const partial = new Map<string, Partial<AccessKey>>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      profile = section[1]?.trim();
      continue;
    }
    const kv = /^([\w]+)\s*=\s*(.*)$/.exec(line);
    if (!kv || profile === undefined) continue;
    const entry = partial.get(profile) ?? {};
    if (kv[1] === 'aws_access_key_id') entry.accessKeyId = kv[2] ?? '';
    if (kv[1] === 'aws_secret_access_key') entry.secretAccessKey = kv[2] ?? '';
    partial.set(profile, entry);
  }
  for (const [name, e] of partial) if (e.accessKeyId && e.secretAccessKey) out.set(name, { accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey });
  return out;
}

function newKey(prefix: string): AccessKey {
  // AWS key ids are 20 upper-case alphanumerics; secrets 40 characters of base64.
  const id = `${prefix}${randomBytes(16).toString('hex').toUpperCase()}`.slice(0, 20);
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64') };
}

function render(c: { operator: AccessKey; readOnly?: AccessKey | undefined; service?: AccessKey | undefined }): string {
  const lines = ['# clinflow local API keys (AWS shared-credentials format). Keep this file private.'];
  lines.push(`[${OPERATOR_PROFILE}]`, `aws_access_key_id = ${c.operator.accessKeyId}`, `aws_secret_access_key = ${c.operator.secretAccessKey}`);
  if (c.readOnly) lines.push(`[${READONLY_PROFILE}]`, `aws_access_key_id = ${c.readOnly.accessKeyId}`, `aws_secret_access_key = ${c.readOnly.secretAccessKey}`);
  if (c.service) lines.push(`[${SERVICE_PROFILE}]`, `aws_access_key_id = ${c.service.accessKeyId}`, `aws_secret_access_key = ${c.service.secretAccessKey}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The local API keys: `CLINFLOW_ACCESS_KEY_ID`/`CLINFLOW_SECRET_ACCESS_KEY` (operator) and
 * optionally `CLINFLOW_READONLY_ACCESS_KEY_ID`/`CLINFLOW_READONLY_SECRET_ACCESS_KEY`; otherwise the
 * data directory's `credentials` file, generated (mode 0600) when `generate` is set and it is absent.
 */
export function loadLocalCredentials(dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env, generate = false): LocalCredentials | undefined {
  const id = env.CLINFLOW_ACCESS_KEY_ID;
  const secret = env.CLINFLOW_SECRET_ACCESS_KEY;
  if (id && secret) {
    const roId = env.CLINFLOW_READONLY_ACCESS_KEY_ID;
    const roSecret = env.CLINFLOW_READONLY_SECRET_ACCESS_KEY;
    return {
      operator: { accessKeyId: id, secretAccessKey: secret },
      ...(roId && roSecret ? { readOnly: { accessKeyId: roId, secretAccessKey: roSecret, readOnly: true } } : {}),
      source: 'env',
      generated: false,
    };
  }
  if (dataDir === undefined || dataDir === ':memory:') return undefined;
  const file = credentialsFile(dataDir);
  if (existsSync(file)) {
    const profiles = parseCredentialsFile(readFileSync(file, 'utf8'));
    const operator = profiles.get(OPERATOR_PROFILE);
    if (!operator) throw new Error(`${file} has no [${OPERATOR_PROFILE}] profile`);
    const ro = profiles.get(READONLY_PROFILE);
    const svc = profiles.get(SERVICE_PROFILE);
    return { operator, ...(ro ? { readOnly: { ...ro, readOnly: true } } : {}), ...(svc ? { service: { ...svc, service: true } } : {}), source: file, generated: false };
  }
  if (!generate) return undefined;
  const created = { operator: newKey('CLFOPS'), readOnly: { ...newKey('CLFRO'), readOnly: true }, service: { ...newKey('CLFSVC'), service: true } };
  writeFileSync(file, render(created), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { ...created, source: file, generated: true };
}

/** The lines that configure the AWS CLI (or any SDK) for the local server. */
export function profileHint(creds: LocalCredentials, endpoint: string): string[] {
  const lines = [`  AWS API (SigV4)     ${endpoint}   (Step Functions, EventBridge, Scheduler)`];
  if (creds.source === 'env') lines.push('    keys from CLINFLOW_ACCESS_KEY_ID / CLINFLOW_SECRET_ACCESS_KEY');
  else {
    lines.push(`    keys in ${creds.source} (operator profile [${OPERATOR_PROFILE}]${creds.readOnly ? `, read-only [${READONLY_PROFILE}]` : ''})`);
    lines.push(`    export AWS_SHARED_CREDENTIALS_FILE=${creds.source} AWS_PROFILE=${OPERATOR_PROFILE} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1`);
    lines.push(`    aws stepfunctions list-state-machines --endpoint-url ${endpoint}`);
  }
  return lines;
}
