import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface SecretResolver {
  /** The secret named by env `<NAME>_SECRET_ARN`; undefined when that variable is not set. */
  byName(name: string): Promise<string | undefined>;
  /** The SecretString of a Secrets Manager ARN. */
  byArn(arn: string): Promise<string>;
}

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:/;
const SECRET_NAME_REF = /^\$secret:([A-Z_][A-Z0-9_]*)$/;

/**
 * Secrets Manager lookups, cached for the life of the container (one GetSecretValue per secret per
 * cold start). Values are never logged; errors name the variable, not the value.
 */
export function createSecretResolver(client: SecretsManagerClient, env: NodeJS.ProcessEnv): SecretResolver {
  const cache = new Map<string, Promise<string>>();
  const byArn = (arn: string): Promise<string> => {
    let hit = cache.get(arn);
    if (!hit) {
      hit = client.send(new GetSecretValueCommand({ SecretId: arn })).then((out) => {
        if (typeof out.SecretString !== 'string') throw new Error('the secret has no SecretString (binary secrets are not supported)');
        return out.SecretString;
      });
      // A failed lookup is not cached: the next invocation tries again.
      hit.catch(() => cache.delete(arn));
      cache.set(arn, hit);
    }
    return hit;
  };
  return {
    byArn,
    async byName(name) {
      const arn = env[`${name}_SECRET_ARN`];
      return arn ? byArn(arn) : undefined;
    },
  };
}

/**
 * Replaces every string that references a secret — a Secrets Manager ARN, or `$secret:NAME` for
 * env `NAME_SECRET_ARN` — by the secret's value, anywhere in a JSON configuration value.
 */
export async function resolveSecretRefs(value: unknown, secrets: SecretResolver): Promise<unknown> {
  if (typeof value === 'string') {
    if (SECRET_ARN.test(value)) return secrets.byArn(value);
    const named = SECRET_NAME_REF.exec(value)?.[1];
    if (named !== undefined) {
      const got = await secrets.byName(named);
      if (got === undefined) throw new Error(`${named}_SECRET_ARN is not set`);
      return got;
    }
    return value;
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveSecretRefs(v, secrets)));
  if (value !== null && typeof value === 'object') {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveSecretRefs(v, secrets)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}
