import { FhirError, type FhirErrorName } from '../../schemas/errors';

/** What fhir-kit-client attaches to a failed request (never logged: `config` holds our headers). */
interface HttpFailure {
  response?: { status?: number; data?: unknown };
  config?: { headers?: Headers | Record<string, string> };
}

export function statusToErrorName(status: number): FhirErrorName {
  if (status === 404) return 'FHIR.NotFound';
  if (status === 410) return 'FHIR.Gone';
  if (status === 409 || status === 412) return 'FHIR.Conflict';
  if (status === 401 || status === 403) return 'FHIR.Unauthorized';
  if (status === 429) return 'FHIR.TooManyRequests';
  if (status >= 500) return 'FHIR.Unavailable';
  return 'FHIR.Invalid';
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

function headerOf(headers: Headers | Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const rec = headers as Record<string, string>;
  return rec[name] ?? rec[name.toLowerCase()];
}

/**
 * Maps anything a FHIR request can throw to a FhirError with a stable name. The cause text names the
 * interaction and status only: no URL query (it can hold identifiers), no body, no headers.
 */
export function toFhirError(err: unknown, what: string, nowMs: number): FhirError {
  if (err instanceof FhirError) return err;
  const failure = err as HttpFailure;
  const status = failure?.response?.status;
  if (typeof status === 'number') {
    const name = statusToErrorName(status);
    const data = failure.response?.data;
    const outcome = data && typeof data === 'object' && (data as { resourceType?: unknown }).resourceType === 'OperationOutcome' ? data : undefined;
    const retryAfterSeconds = parseRetryAfter(headerOf(failure.config?.headers, 'retry-after'), nowMs);
    const wait = retryAfterSeconds !== undefined ? ` (Retry-After ${retryAfterSeconds} s)` : '';
    return new FhirError(name, `${what} failed with HTTP ${status}${wait}`, {
      status,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      ...(outcome !== undefined ? { operationOutcome: outcome } : {}),
    });
  }
  const e = err as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new FhirError('FHIR.Unavailable', `${what} timed out`);
  const code = e?.cause?.code;
  return new FhirError('FHIR.Unavailable', `${what} failed: ${code ?? e?.name ?? 'network error'}`);
}
