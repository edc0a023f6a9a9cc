import { FhirError } from '../../schemas/errors';
import { parseRetryAfter, statusToErrorName, toFhirError } from './toFhirError';

describe('HTTP failure → FHIR error name', () => {
  it.each([
    [404, 'FHIR.NotFound'],
    [410, 'FHIR.Gone'],
    [409, 'FHIR.Conflict'],
    [412, 'FHIR.Conflict'],
    [401, 'FHIR.Unauthorized'],
    [403, 'FHIR.Unauthorized'],
    [400, 'FHIR.Invalid'],
    [422, 'FHIR.Invalid'],
    [429, 'FHIR.TooManyRequests'],
    [500, 'FHIR.Unavailable'],
    [503, 'FHIR.Unavailable'],
    [504, 'FHIR.Unavailable'],
  ])('%i → %s', (status, name) => {
    expect(statusToErrorName(status)).toBe(name);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2025, 2, 9, 12, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30);
    expect(parseRetryAfter('garbage', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    // The wait also reaches the error's cause, which the execution history keeps.
    const err = toFhirError({ response: { status: 429 }, config: { headers: new Headers({ 'retry-after': '7' }) } }, 'read Patient', now);
    expect(err).toMatchObject({ error: 'FHIR.TooManyRequests', retryAfterSeconds: 7, causeText: 'read Patient failed with HTTP 429 (Retry-After 7 s)' });
  });

  it('keeps the OperationOutcome of a 422 and drops request details from the message', () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] };
    const err = toFhirError({ response: { status: 422, data: outcome }, config: { url: 'http://x/Patient?name=PHIMARK', headers: { authorization: 'Bearer PHIMARK' } } }, 'create Patient', 0);
    expect(err).toBeInstanceOf(FhirError);
    expect(err).toMatchObject({ error: 'FHIR.Invalid', status: 422, details: outcome });
    expect(err.message).not.toContain('PHIMARK');
  });

  it('maps network failures and timeouts to FHIR.Unavailable', () => {
    expect(toFhirError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'read', 0)).toMatchObject({ error: 'FHIR.Unavailable' });
    expect(toFhirError(new DOMException('t', 'TimeoutError'), 'read', 0).message).toMatch(/timed out/);
  });
});
