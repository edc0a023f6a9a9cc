import { exportJWK, generateKeyPair } from 'jose';
import { captureLog } from '../../sandbox/captureLog';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { createFhirPortRouter } from './createFhirPortRouter';
import { createHttpFhirPort } from '../../core/fhir/createHttpFhirPort';
import { rejection } from './fhirRejection.testkit';

let sandbox: Sandbox;
let rsPrivate: { kty: string };
let esPrivate: { kty: string };
let otherPrivate: { kty: string };
const STATIC_TOKEN = 'PHIMARK-static-token-5521';
/** Shifts the sandbox's and the client's clocks together (token expiry without waiting). */
let clockOffsetMs = 0;
const now = () => Date.now() + clockOffsetMs;

beforeAll(async () => {
  const rs = await generateKeyPair('RS384', { extractable: true });
  const es = await generateKeyPair('ES384', { extractable: true });
  const other = await generateKeyPair('RS384', { extractable: true });
  const jwk = async (k: Parameters<typeof exportJWK>[0]) => {
    const j = await exportJWK(k);
    return { ...j, kty: j.kty ?? '' };
  };
  rsPrivate = await jwk(rs.privateKey);
  esPrivate = await jwk(es.privateKey);
  otherPrivate = await jwk(other.privateKey);
  sandbox = await startSandbox({
    seed: { patients: 2 },
    now,
    auth: {
      bearerTokens: [STATIC_TOKEN],
      tokenLifetimeSeconds: 120,
      smartClients: [
        { clientId: 'clinflow-rs', publicJwk: { ...(await exportJWK(rs.publicKey)), alg: 'RS384' } },
        { clientId: 'clinflow-es', publicJwk: { ...(await exportJWK(es.publicKey)), alg: 'ES384' } },
      ],
    },
  });
});
afterAll(() => sandbox.close());

describe('FHIR server authentication', () => {
  it('no credentials → FHIR.Unauthorized; a static bearer token works', async () => {
    const anonymous = createHttpFhirPort({ baseUrl: sandbox.baseUrl });
    expect((await rejection(anonymous.read('Patient/pat-1'))).error).toBe('FHIR.Unauthorized');
    const bearer = createHttpFhirPort({ baseUrl: sandbox.baseUrl, auth: { type: 'bearer', token: STATIC_TOKEN } });
    await expect(bearer.read('Patient/pat-1')).resolves.toMatchObject({ id: 'pat-1' });
    // A static token cannot be refreshed: a 401 is not retried.
    sandbox.faults.failNext(1, { status: 401 });
    expect((await rejection(bearer.read('Patient/pat-1'))).error).toBe('FHIR.Unauthorized');
  });

  it('SMART backend services with RS384: discovery, a valid assertion, a cached token', async () => {
    const before = sandbox.smart.issuedCount;
    const fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl, auth: { type: 'smart-backend', clientId: 'clinflow-rs', privateKey: rsPrivate, alg: 'RS384' } });
    await expect(fhir.read('Patient/pat-1')).resolves.toMatchObject({ id: 'pat-1' });
    await expect(fhir.search('Patient', {})).resolves.toHaveLength(2);
    expect(sandbox.smart.issuedCount).toBe(before + 1);
    const a = sandbox.smart.assertions.at(-1)!;
    expect(a.alg).toBe('RS384');
    expect(a.exp - (a.iat ?? 0)).toBeLessThanOrEqual(300);
  });

  it('an expired token is refreshed and the request retried once', async () => {
    const fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl, auth: { type: 'smart-backend', clientId: 'clinflow-rs', privateKey: rsPrivate, tokenUrl: sandbox.tokenUrl } });
    await fhir.read('Patient/pat-1');
    const issued = sandbox.smart.issuedCount;
    sandbox.faults.expireTokens();
    await expect(fhir.read('Patient/pat-2')).resolves.toMatchObject({ id: 'pat-2' });
    expect(sandbox.smart.issuedCount).toBe(issued + 1);
    // An injected 401 (expired at the resource server) is also refreshed once …
    sandbox.faults.failNext(1, { status: 401 });
    await expect(fhir.read('Patient/pat-2')).resolves.toMatchObject({ id: 'pat-2' });
    expect(sandbox.smart.issuedCount).toBe(issued + 2);
    // … but only once: two 401s in a row surface as FHIR.Unauthorized.
    sandbox.faults.failNext(2, { status: 401 });
    expect((await rejection(fhir.read('Patient/pat-2'))).error).toBe('FHIR.Unauthorized');
    const jtis = sandbox.smart.assertions.map((x) => x.jti);
    expect(new Set(jtis).size).toBe(jtis.length);
  });

  it('the token is refreshed shortly before it expires, without a 401', async () => {
    const fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl, auth: { type: 'smart-backend', clientId: 'clinflow-rs', privateKey: rsPrivate, refreshSkewSeconds: 30 } }, { now });
    await fhir.read('Patient/pat-1');
    const issued = sandbox.smart.issuedCount;
    clockOffsetMs += 60_000;
    await fhir.read('Patient/pat-1');
    expect(sandbox.smart.issuedCount).toBe(issued);
    clockOffsetMs += 31_000; // 91 s of a 120 s token: within the 30 s skew
    await fhir.read('Patient/pat-1');
    expect(sandbox.smart.issuedCount).toBe(issued + 1);
  });

  it('SMART backend services with ES384', async () => {
    const fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl, auth: { type: 'smart-backend', clientId: 'clinflow-es', privateKey: esPrivate, alg: 'ES384' } });
    await expect(fhir.read('Patient/pat-2')).resolves.toMatchObject({ id: 'pat-2' });
    expect(sandbox.smart.assertions.at(-1)!.alg).toBe('ES384');
  });

  it('an assertion signed with an unregistered key is rejected: FHIR.Unauthorized', async () => {
    const fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl, auth: { type: 'smart-backend', clientId: 'clinflow-rs', privateKey: otherPrivate } });
    const err = await rejection(fhir.read('Patient/pat-1'));
    expect(err.error).toBe('FHIR.Unauthorized');
    expect(err.message).not.toMatch(/eyJ/);
  });

  it('routes by server name and rejects unknown names', async () => {
    const fhir = createFhirPortRouter([
      { name: 'default', baseUrl: sandbox.baseUrl, auth: { type: 'bearer', token: STATIC_TOKEN } },
      { name: 'anon', baseUrl: sandbox.baseUrl },
    ]);
    await expect(fhir.read('Patient/pat-1')).resolves.toMatchObject({ id: 'pat-1' });
    expect((await rejection(fhir.read('Patient/pat-1', { server: 'anon' }))).error).toBe('FHIR.Unauthorized');
    expect((await rejection(fhir.read('Patient/pat-1', { server: 'nope' }))).error).toBe('FHIR.Invalid');
  });

  it('errors logged through the logger carry no token', async () => {
    const logs = captureLog();
    const bearer = createHttpFhirPort({ baseUrl: sandbox.baseUrl, auth: { type: 'bearer', token: STATIC_TOKEN } });
    sandbox.faults.failNext(1, { status: 503 });
    const err = await rejection(bearer.read('Patient/pat-1'));
    logs.log.error({ err, auth: { type: 'bearer', token: STATIC_TOKEN } }, 'read failed');
    expect(logs.lines).toHaveLength(1);
    expect(logs.text()).not.toContain('PHIMARK');
    expect(JSON.stringify(err)).not.toContain('PHIMARK');
  });
});
