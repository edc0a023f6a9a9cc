import { FhirServerConfig, FhirServersConfig } from './fhirServerConfig';

describe('FhirServerConfig', () => {
  it('defaults to no auth, a 15 s timeout and the clinflow idempotency system', () => {
    expect(FhirServerConfig.parse({ baseUrl: 'http://127.0.0.1:8090/fhir' })).toEqual({
      name: 'default',
      baseUrl: 'http://127.0.0.1:8090/fhir',
      auth: { type: 'none' },
      timeoutMs: 15_000,
      idempotencySystem: 'urn:clinflow:idempotency-key',
    });
  });

  it('fills SMART backend defaults and refuses assertions living longer than 5 minutes', () => {
    const c = FhirServerConfig.parse({ baseUrl: 'https://ehr.example.org/fhir', auth: { type: 'smart-backend', clientId: 'c', privateKey: '-----BEGIN PRIVATE KEY-----' } });
    expect(c.auth).toMatchObject({ alg: 'RS384', assertionLifetimeSeconds: 300, refreshSkewSeconds: 30 });
    expect(FhirServerConfig.safeParse({ baseUrl: 'https://x/fhir', auth: { type: 'smart-backend', clientId: 'c', privateKey: 'k', assertionLifetimeSeconds: 301 } }).success).toBe(false);
    expect(FhirServerConfig.safeParse({ baseUrl: 'https://x/fhir', auth: { type: 'smart-backend', clientId: 'c', privateKey: 'k', alg: 'HS256' } }).success).toBe(false);
    expect(FhirServerConfig.safeParse({ baseUrl: 'https://x/fhir', auth: { type: 'bearer', token: '' } }).success).toBe(false);
    expect(FhirServerConfig.safeParse({ baseUrl: 'not a url' }).success).toBe(false);
  });

  it('requires unique server names', () => {
    expect(FhirServersConfig.safeParse([{ baseUrl: 'http://a/fhir' }, { baseUrl: 'http://b/fhir' }]).success).toBe(false);
    expect(FhirServersConfig.safeParse([{ baseUrl: 'http://a/fhir' }, { name: 'lab', baseUrl: 'http://b/fhir' }]).success).toBe(true);
  });
});
