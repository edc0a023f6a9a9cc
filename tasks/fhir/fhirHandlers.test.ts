import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FhirErrorNames } from '../../schemas/errors';
import type { FhirResource } from '../../schemas/fhirPort';
import { captureLog } from '../../sandbox/captureLog';
import { indexFhirDefinitions } from '../../sandbox/indexFhirDefinitions';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { testTaskContext } from '../../sandbox/testTaskContext';
import { createHttpFhirPort } from '../../core/fhir/createHttpFhirPort';
import { fhirHandlers } from './handlers';
import { rejection } from './fhirRejection.testkit';

let sandbox: Sandbox;
let indexMs: number;
const logs = captureLog();

beforeAll(async () => {
  indexMs = indexFhirDefinitions();
  sandbox = await startSandbox({ seed: { patients: 5, seed: 7 }, defaultCount: 2 });
});
afterAll(() => sandbox.close());

const ctx = (key = `exec-1|step|${Math.random()}`) => testTaskContext({ fhir: createHttpFhirPort({ baseUrl: sandbox.baseUrl }), log: logs.log, idempotencyKey: key });

describe('FHIR tasks over HTTP against the sandbox', () => {
  it('indexes the FHIR definitions once (measured)', () => {
    expect(indexMs).toBeGreaterThan(0);
    expect(indexFhirDefinitions()).toBe(indexMs);
    logs.log.info({ indexMs: Math.round(indexMs) }, 'FHIR definitions indexed');
  });

  it('fhir.read returns a seeded patient with its time-zone extension', async () => {
    const p = await fhirHandlers['fhir.read']({ reference: 'Patient/pat-1' }, ctx());
    expect(p).toMatchObject({ resourceType: 'Patient', id: 'pat-1', meta: { versionId: '1' } });
    expect(p.extension).toEqual([{ url: 'http://hl7.org/fhir/StructureDefinition/tz-code', valueCode: 'America/New_York' }]);
  });

  it('fhir.search follows Bundle.link[next] up to maxPages', async () => {
    const all = await fhirHandlers['fhir.search']({ resourceType: 'Patient', params: {}, maxPages: 10 }, ctx());
    expect(all.total).toBe(5);
    expect(all.resources.map((r) => r.id).sort()).toEqual(['pat-1', 'pat-2', 'pat-3', 'pat-4', 'pat-5']);
    const two = await fhirHandlers['fhir.search']({ resourceType: 'Patient', params: {}, maxPages: 2 }, ctx());
    expect(two.resources).toHaveLength(4);
    const filtered = await fhirHandlers['fhir.search']({ resourceType: 'Observation', params: { code: 'http://loinc.org|2823-3', subject: 'Patient/pat-5' }, maxPages: 3 }, ctx());
    expect(filtered.resources.map((r) => r.id)).toEqual(['obs-k-5']);
    const recent = await fhirHandlers['fhir.search']({ resourceType: 'MedicationRequest', params: { _lastUpdated: 'gt2000-01-01' }, maxPages: 5 }, ctx());
    expect(recent.total).toBe(5);
  });

  it('fhir.create with the same idempotency key writes once', async () => {
    const c = ctx('exec-create|notify|1');
    const resource = { resourceType: 'Communication', status: 'completed', subject: { reference: 'Patient/pat-1' } };
    const first = await fhirHandlers['fhir.create']({ resource }, c);
    const retried = await fhirHandlers['fhir.create']({ resource }, c);
    expect(retried.id).toBe(first.id);
    const found = await fhirHandlers['fhir.search']({ resourceType: 'Communication', params: { subject: 'Patient/pat-1' }, maxPages: 10 }, ctx());
    expect(found.resources).toHaveLength(1);
    const other = await fhirHandlers['fhir.create']({ resource }, ctx('exec-create|notify|2'));
    expect(other.id).not.toBe(first.id);
  });

  it('fhir.create honours an explicit ifNoneExist', async () => {
    const resource = { resourceType: 'Practitioner', identifier: [{ system: 'urn:npi', value: '999' }] };
    const a = await fhirHandlers['fhir.create']({ resource, ifNoneExist: 'identifier=urn:npi|999' }, ctx());
    const b = await fhirHandlers['fhir.create']({ resource, ifNoneExist: 'identifier=urn:npi|999' }, ctx());
    expect(b.id).toBe(a.id);
  });

  it('fhir.update uses If-Match; a stale version is FHIR.Conflict; a retried update is applied once', async () => {
    const c = ctx('exec-upd|stop|1');
    const order = await fhirHandlers['fhir.read']({ reference: 'MedicationRequest/med-1' }, c);
    const v = (order as FhirResource).meta?.versionId as string;
    const stopped = await fhirHandlers['fhir.update']({ resource: { ...order, status: 'stopped' }, ifMatch: v }, c);
    expect(stopped).toMatchObject({ status: 'stopped', meta: { versionId: String(Number(v) + 1) } });
    // The same call re-delivered (same key): not a conflict, and no third version.
    const again = await fhirHandlers['fhir.update']({ resource: { ...order, status: 'stopped' }, ifMatch: v }, c);
    expect((again as FhirResource).meta?.versionId).toBe((stopped as FhirResource).meta?.versionId);
    // A different writer with the stale version: conflict.
    const err = await rejection(fhirHandlers['fhir.update']({ resource: { ...order, status: 'active' }, ifMatch: v }, ctx()));
    expect(err.error).toBe('FHIR.Conflict');
    expect(err.status).toBe(412);
  });

  it('fhir.vread and fhir.patch', async () => {
    const patched = await fhirHandlers['fhir.patch']({ reference: 'Patient/pat-3', patch: [{ op: 'replace', path: '/active', value: false }] }, ctx());
    expect(patched).toMatchObject({ active: false, meta: { versionId: '2' } });
    const v1 = await fhirHandlers['fhir.vread']({ reference: 'Patient/pat-3', versionId: '1' }, ctx());
    expect(v1).toMatchObject({ active: true, meta: { versionId: '1' } });
    const stale = await rejection(fhirHandlers['fhir.patch']({ reference: 'Patient/pat-3', ifMatch: '1', patch: [{ op: 'replace', path: '/active', value: true }] }, ctx()));
    expect(stale.error).toBe('FHIR.Conflict');
  });

  it('fhir.delete; reading it afterwards is FHIR.Gone; a re-delivered delete succeeds', async () => {
    const c = ctx('exec-del|delete|1');
    await expect(fhirHandlers['fhir.delete']({ reference: 'Observation/obs-k-1' }, c)).resolves.toEqual({ deleted: true, reference: 'Observation/obs-k-1' });
    await expect(fhirHandlers['fhir.delete']({ reference: 'Observation/obs-k-1' }, c)).resolves.toMatchObject({ deleted: true });
    expect((await rejection(fhirHandlers['fhir.read']({ reference: 'Observation/obs-k-1' }, ctx()))).error).toBe('FHIR.Gone');
  });

  it('fhir.transaction commits all entries, and a retried bundle creates once', async () => {
    const bundle = {
      resourceType: 'Bundle' as const,
      type: 'transaction' as const,
      entry: [
        { fullUrl: 'urn:uuid:0b1d6c2e-0000-4000-8000-000000000001', request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', active: true } },
        {
          request: { method: 'POST', url: 'Observation' },
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'tx-marker-obs' }, subject: { reference: 'urn:uuid:0b1d6c2e-0000-4000-8000-000000000001' } },
        },
      ],
    };
    const c = ctx('exec-tx|bundle|1');
    const res = await fhirHandlers['fhir.transaction']({ bundle }, c);
    expect(res.type).toBe('transaction-response');
    const entries = res.entry as { response: { status: string; location: string } }[];
    expect(entries.map((e) => e.response.status)).toEqual(['201', '201']);
    await fhirHandlers['fhir.transaction']({ bundle }, c);
    const obs = await fhirHandlers['fhir.search']({ resourceType: 'Observation', params: { 'code:text': 'tx-marker-obs' }, maxPages: 5 }, ctx());
    expect(obs.resources).toHaveLength(1);
    expect((obs.resources[0] as FhirResource & { subject: { reference: string } }).subject.reference).toMatch(/^Patient\//);
  });

  it('404 is FHIR.NotFound, catchable by name', async () => {
    const err = await rejection(fhirHandlers['fhir.read']({ reference: 'Patient/does-not-exist' }, ctx()));
    expect(err.error).toBe('FHIR.NotFound');
    expect(err.name).toBe('FHIR.NotFound');
    expect(FhirErrorNames).toContain(err.error);
  });

  it('a 503 is FHIR.Unavailable with Retry-After; the next call succeeds', async () => {
    sandbox.faults.failNext(1, { status: 503, retryAfterSeconds: 3 });
    const err = await rejection(fhirHandlers['fhir.read']({ reference: 'Patient/pat-2' }, ctx()));
    expect(err).toMatchObject({ error: 'FHIR.Unavailable', status: 503, retryAfterSeconds: 3 });
    await expect(fhirHandlers['fhir.read']({ reference: 'Patient/pat-2' }, ctx())).resolves.toMatchObject({ id: 'pat-2' });
    sandbox.faults.failNext(1, { status: 502 });
    expect((await rejection(fhirHandlers['fhir.read']({ reference: 'Patient/pat-2' }, ctx()))).retryAfterSeconds).toBeUndefined();
  });

  it('429 is FHIR.TooManyRequests honouring Retry-After; 403 is FHIR.Unauthorized', async () => {
    sandbox.faults.failNext(1, { status: 429, retryAfterSeconds: 7 });
    expect(await rejection(fhirHandlers['fhir.read']({ reference: 'Patient/pat-2' }, ctx()))).toMatchObject({ error: 'FHIR.TooManyRequests', retryAfterSeconds: 7 });
    sandbox.faults.failNext(1, { status: 403 });
    expect((await rejection(fhirHandlers['fhir.read']({ reference: 'Patient/pat-2' }, ctx()))).error).toBe('FHIR.Unauthorized');
  });

  it('an invalid resource is FHIR.Invalid carrying the OperationOutcome', async () => {
    const err = await rejection(fhirHandlers['fhir.create']({ resource: { resourceType: 'Observation', status: 'final' } }, ctx()));
    expect(err.error).toBe('FHIR.Invalid');
    expect(err.status).toBe(400);
    expect(err.details).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error' })] });
  });

  it('refused connections and timeouts are FHIR.Unavailable', async () => {
    const closed: Server = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = createHttpFhirPort({ baseUrl: `http://127.0.0.1:${port}/fhir` });
    expect((await rejection(refused.read('Patient/pat-1'))).error).toBe('FHIR.Unavailable');

    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const slow = createHttpFhirPort({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/fhir`, timeoutMs: 150 });
    const err = await rejection(slow.read('Patient/pat-1'));
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
    expect(err.error).toBe('FHIR.Unavailable');
    expect(err.message).toMatch(/timed out/);
  });

  it('logs carry no PHI from the resources handled above', () => {
    for (const [label, h] of Object.entries(fhirHandlers)) logs.log.info({ task: label, handler: typeof h, result: { resourceType: 'Patient', name: [{ family: 'PHIMARK-FAM' }] } }, 'done');
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain('PHIMARK');
  });
});
