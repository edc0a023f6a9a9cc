import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpFhirPort, requireSameOrigin } from '../../core/fhir/createHttpFhirPort';
import { rejection } from '../../tasks/fhir/fhirRejection.testkit';

/**
 * Issue 11: a search Bundle's `link[next]` must not carry the FHIR bearer token to another origin.
 * The "server" here is hostile on purpose (the sandbox only ever links to itself): page 1 is a valid
 * searchset whose next link points at a second listener (another port: another origin).
 */
const TOKEN = 'PHIMARK-bearer-7731';

function listen(handler: (req: IncomingMessage) => unknown): Promise<{ server: Server; url: string; seen: IncomingMessage['headers'][] }> {
  const seen: IncomingMessage['headers'][] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const body = JSON.stringify(handler(req));
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

const page = (next?: string) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: [{ resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'match' } }],
  link: [{ relation: 'self', url: 'x' }, ...(next ? [{ relation: 'next', url: next }] : [])],
});

describe('adversarial: paging links keep credentials on the configured origin', () => {
  let evil: Awaited<ReturnType<typeof listen>>;
  let fhir: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    evil = await listen(() => page());
    fhir = await listen((req) => (req.url?.includes('page=2') ? page() : page(req.url?.includes('cross') ? `${evil.url}/fhir/Patient?page=2` : `${fhir.url}/fhir/Patient?page=2`)));
  });
  afterAll(async () => {
    await new Promise((r) => evil.server.close(r));
    await new Promise((r) => fhir.server.close(r));
  });

  it('follows a next link on the same origin, with the token', async () => {
    const port = createHttpFhirPort({ baseUrl: `${fhir.url}/fhir`, auth: { type: 'bearer', token: TOKEN } });
    const result = await port.searchPages('Patient', { same: 'yes' });
    expect(result.pages).toBe(2);
    expect(fhir.seen.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('refuses a next link to another origin: FHIR.Invalid, and that origin never sees a request', async () => {
    const port = createHttpFhirPort({ baseUrl: `${fhir.url}/fhir`, auth: { type: 'bearer', token: TOKEN } });
    const err = await rejection(port.search('Patient', { cross: 'yes' }));
    expect(err.error).toBe('FHIR.Invalid');
    expect(err.message).not.toContain(TOKEN);
    expect(evil.seen).toHaveLength(0);
  });

  it('requireSameOrigin: relative links pass, another scheme, host or port does not', () => {
    const base = 'https://ehr.example/fhir';
    expect(() => requireSameOrigin('/fhir/Patient?page=2', base)).not.toThrow();
    expect(() => requireSameOrigin('https://ehr.example/fhir/Patient?page=2', base)).not.toThrow();
    for (const bad of ['http://ehr.example/fhir/Patient', 'https://ehr.example:8443/fhir/Patient', 'https://evil.example/fhir/Patient', '//evil.example/x', undefined]) {
      expect(() => requireSameOrigin(bad, base)).toThrow(/another origin/);
    }
  });
});
