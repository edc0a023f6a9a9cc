import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SourceConfig } from '../../schemas/triggerConfig';
import { HttpProblem } from '../http/httpProblem';
import { enrichIdOnlyChanges } from './enrichChanges';
import type { ResourceChange } from './resourceChange';
import { RoutingAttributeExtractor } from './routingAttributes';
import { sourceReader } from './sourceReader';

const source: SourceConfig = { kind: 'fhir', baseUrl: 'https://ehr.example.org/fhir/', auth: { bearerToken: 'in' }, outboundBearerToken: 'out', outboundTimeoutMs: 15_000 };
const extractor = new RoutingAttributeExtractor({ MedicationRequest: ['status'] });
const idOnly: ResourceChange = { resourceType: 'MedicationRequest', id: 'm1', interaction: 'update', origin: 'r5-subscription', dedupeKey: 'https://ehr.example.org/fhir/Subscription/s|42' };

function fakeFetch(respond: (url: string) => Response | Error) {
  const calls: { url: string; auth: string | undefined }[] = [];
  const fn: typeof fetch = async (input, init) => {
    const url = String(input);
    calls.push({ url, auth: (init?.headers as Record<string, string> | undefined)?.Authorization });
    const r = respond(url);
    if (r instanceof Error) throw r;
    return r;
  };
  return { fn: sourceReader(source, { fetch: fn }), calls };
}
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/fhir+json' } });

describe('enrichIdOnlyChanges', () => {
  it('reads an id-only change back for its routing attributes and keys it by version', async () => {
    const f = fakeFetch(() => json({ resourceType: 'MedicationRequest', id: 'm1', meta: { versionId: '7' }, status: 'stopped' }));
    const [c] = await enrichIdOnlyChanges([idOnly], source, extractor, f.fn);
    expect(f.calls).toEqual([{ url: 'https://ehr.example.org/fhir/MedicationRequest/m1', auth: 'Bearer out' }]);
    expect(extractor.extract(c?.resource, 'MedicationRequest')).toEqual({ status: 'stopped' });
    expect(c).toMatchObject({ versionId: '7', dedupeKey: 'https://ehr.example.org/fhir|MedicationRequest/m1|7' });
  });
  it('reads nothing when no rule routes on the type, for deletes, or when the payload had the resource', async () => {
    const f = fakeFetch(() => new Error('should not be called'));
    const changes: ResourceChange[] = [
      { ...idOnly, resourceType: 'Patient' },
      { ...idOnly, interaction: 'delete' },
      { ...idOnly, resource: { resourceType: 'MedicationRequest', id: 'm1', status: 'active' } },
    ];
    expect(await enrichIdOnlyChanges(changes, source, extractor, f.fn)).toEqual(changes);
    expect(f.calls).toHaveLength(0);
  });
  it('publishes a resource that is not found without attributes', async () => {
    const f = fakeFetch(() => json({ resourceType: 'OperationOutcome' }, 404));
    expect(await enrichIdOnlyChanges([idOnly], source, extractor, f.fn)).toEqual([idOnly]);
  });
  // FHIR R4 http.html#read: a read of a deleted resource answers 410 Gone.
  it('publishes a resource that is gone (410) as a delete, so its reminders stop', async () => {
    const f = fakeFetch(() => json({ resourceType: 'OperationOutcome' }, 410));
    expect(await enrichIdOnlyChanges([idOnly], source, extractor, f.fn)).toEqual([{ ...idOnly, interaction: 'delete' }]);
    const versioned = { ...idOnly, versionId: '4', dedupeKey: 'https://ehr.example.org/fhir|MedicationRequest/m1|4' };
    expect(await enrichIdOnlyChanges([versioned], source, extractor, f.fn)).toEqual([
      { ...versioned, interaction: 'delete', dedupeKey: 'https://ehr.example.org/fhir|MedicationRequest/m1|4|deleted' },
    ]);
  });
  it('fails with 503 when the source cannot answer, so the sender retries', async () => {
    for (const respond of [() => new Error('ECONNREFUSED'), () => json({}, 500), () => json({ resourceType: 'MedicationRequest', id: 'other' })]) {
      const err = await enrichIdOnlyChanges([idOnly], source, extractor, fakeFetch(respond).fn).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpProblem);
      expect((err as HttpProblem).status).toBe(503);
    }
  });

  it('a server that accepts the read and never answers is given up on after outboundTimeoutMs: the sender gets 503 to retry, not a stalled request', async () => {
    const hung: Server = createServer(() => undefined); // reads the request, never responds
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/fhir`;
      const t0 = performance.now();
      const err = await enrichIdOnlyChanges([idOnly], { ...source, baseUrl: base, outboundTimeoutMs: 300 }, extractor, sourceReader({ ...source, baseUrl: base, outboundTimeoutMs: 300 })).catch(
        (e: unknown) => e,
      );
      const ms = performance.now() - t0;
      expect(err).toBeInstanceOf(HttpProblem);
      expect(err).toMatchObject({ status: 503 });
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(5_000);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });
});
