import { FhirServerConfig, type FhirServerConfigInput } from '../../schemas/fhirServerConfig';
import type { AuthProvider } from './auth/authProvider';
import { createAuthProvider } from './auth/createAuthProvider';
import { requireSameOrigin } from './createHttpFhirPort';
import { toFhirError } from './toFhirError';

/** What a GET returned: the status, and the body when it was JSON (undefined otherwise). */
export interface FhirReadResult {
  status: number;
  body: unknown;
}

/**
 * Plain GETs on one FHIR server, for readers that need the raw answer (a poller paging a search
 * Bundle, a read-back that treats 404 and 410 differently) rather than the task port's mapped
 * errors. Built from the same server configuration as the task port, so it authenticates the same
 * way (none, a bearer token, or SMART Backend Services with a cached token refreshed on a 401),
 * times out the same way, and never sends the credentials to another origin.
 */
export interface FhirReader {
  readonly config: FhirServerConfig;
  /**
   * GETs a URL on the server's origin (absolute, or relative to the base URL). Throws FhirError:
   * `FHIR.Invalid` for another origin (nothing is sent), `FHIR.Unavailable` when the server cannot
   * be reached, times out, or the body stops mid-way. Any HTTP status is returned, not thrown.
   */
  get(url: string): Promise<FhirReadResult>;
}

export interface FhirReaderOptions {
  fetch?: typeof fetch;
  /** Wall clock in ms (token expiry); Date.now by default. */
  now?: () => number;
}

export function createFhirReader(input: FhirServerConfigInput, options: FhirReaderOptions = {}): FhirReader {
  const config = FhirServerConfig.parse(input);
  const fetchFn = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const auth: AuthProvider = createAuthProvider(config, options.now);
  const base = `${config.baseUrl.replace(/\/$/, '')}/`;

  return {
    config,
    async get(url) {
      requireSameOrigin(url, base);
      const target = new URL(url, base).href;
      for (let attempt = 0; ; attempt++) {
        const authorization = await auth.authorization();
        const headers: Record<string, string> = { Accept: 'application/fhir+json', ...(authorization ? { Authorization: authorization } : {}) };
        try {
          // One timeout for the answer and its body: a body that stops mid-way fails like a hang.
          const signal = AbortSignal.timeout(config.timeoutMs);
          const res = await fetchFn(target, { headers, signal });
          if (res.status === 401 && attempt === 0 && auth.invalidate()) {
            await res.body?.cancel();
            continue;
          }
          const text = await res.text();
          let body: unknown;
          try {
            body = text === '' ? undefined : (JSON.parse(text) as unknown);
          } catch {
            body = undefined;
          }
          return { status: res.status, body };
        } catch (err) {
          throw toFhirError(err, 'read back', now());
        }
      }
    },
  };
}
