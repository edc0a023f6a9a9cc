import { randomUUID } from 'node:crypto';
import { importJWK, importPKCS8, SignJWT, type JWK, type KeyLike } from 'jose';
import { FhirError } from '../../../schemas/errors';
import type { FhirAuthSmartBackend } from '../../../schemas/fhirServerConfig';
import { toFhirError } from '../toFhirError';
import type { AuthProvider } from './authProvider';

export interface SmartBackendDeps {
  baseUrl: string;
  timeoutMs: number;
  /** Wall clock in ms; injectable so tests can expire tokens. */
  now?: () => number;
}

interface CachedToken {
  header: string;
  refreshAtMs: number;
}

/**
 * SMART Backend Services (client_credentials + private_key_jwt). The access token is cached until
 * `refreshSkewSeconds` before it expires; concurrent callers share one token request.
 */
export function smartBackendAuth(config: FhirAuthSmartBackend, deps: SmartBackendDeps): AuthProvider {
  const now = deps.now ?? Date.now;
  let key: Promise<KeyLike | Uint8Array> | undefined;
  let tokenUrl: Promise<string> | undefined;
  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;

  const signingKey = () => (key ??= typeof config.privateKey === 'string' ? importPKCS8(config.privateKey, config.alg) : importJWK(config.privateKey as JWK, config.alg));

  const endpoint = () => {
    if (!tokenUrl) {
      const discovered = config.tokenUrl ? Promise.resolve(config.tokenUrl) : discoverTokenUrl(deps.baseUrl, deps.timeoutMs, now);
      // A failed discovery is not cached: the next call asks again.
      tokenUrl = discovered.catch((err: unknown) => {
        tokenUrl = undefined;
        throw err;
      });
    }
    return tokenUrl;
  };

  async function fetchToken(): Promise<CachedToken> {
    const url = await endpoint();
    const nowSec = Math.floor(now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: config.alg, typ: 'JWT', ...(config.keyId ? { kid: config.keyId } : {}) })
      .setIssuer(config.clientId)
      .setSubject(config.clientId)
      .setAudience(url)
      .setJti(randomUUID())
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + config.assertionLifetimeSeconds)
      .sign(await signingKey());
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: config.scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
    } catch (err) {
      throw toFhirError(err, 'SMART token request', now());
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
    if (!res.ok) {
      if (res.status >= 500 || res.status === 429) throw toFhirError({ response: { status: res.status } }, 'SMART token request', now());
      throw new FhirError('FHIR.Unauthorized', `SMART token request rejected with HTTP ${res.status}`, { status: res.status });
    }
    if (typeof body.access_token !== 'string') throw new FhirError('FHIR.Unauthorized', 'SMART token response has no access_token');
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 300;
    return { header: `Bearer ${body.access_token}`, refreshAtMs: now() + Math.max(0, expiresIn - config.refreshSkewSeconds) * 1000 };
  }

  return {
    async authorization() {
      if (cached && now() < cached.refreshAtMs) return cached.header;
      inFlight ??= fetchToken().finally(() => (inFlight = undefined));
      cached = await inFlight;
      return cached.header;
    },
    invalidate() {
      cached = undefined;
      return true;
    },
  };
}

async function discoverTokenUrl(baseUrl: string, timeoutMs: number, now: () => number): Promise<string> {
  const url = `${baseUrl.replace(/\/$/, '')}/.well-known/smart-configuration`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw toFhirError(err, 'SMART discovery', now());
  }
  if (!res.ok) throw toFhirError({ response: { status: res.status } }, 'SMART discovery', now());
  const body = (await res.json()) as { token_endpoint?: unknown };
  if (typeof body.token_endpoint !== 'string') throw new FhirError('FHIR.Unauthorized', 'smart-configuration has no token_endpoint');
  return body.token_endpoint;
}
