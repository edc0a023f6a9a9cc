import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpFhirPort } from '../core/fhir/createHttpFhirPort';
import { describeWithShared } from '../test/support/sharedCorpus';
import { medplumSignature } from './medplumNotifier';
import { seedSynthetic, TIMEZONE_EXTENSION_URL } from './seedSynthetic';
import { startSandbox, type Sandbox } from './startSandbox';

interface Case {
  name: string;
  origin: string;
  request: { headers: Record<string, string>; body: string };
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
let failFirst = 0;
let receiver: Server;
let sandbox: Sandbox;
const SECRET = 'sandbox-secret-1';

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failFirst > 0) {
        failFirst--;
        res.writeHead(503).end();
        return;
      }
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/fhir/notify/sandbox`;
  sandbox = await startSandbox({ seed: { patients: 2 }, notify: { url, secret: SECRET, subscriptionId: 'sub-1', backoffMs: 20 } });
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});

describeWithShared('conformance/fhir-notifications/cases.json', 'sandbox change notifications (Medplum rest-hook format)', (file) => {
  const cases = JSON.parse(readFileSync(file, 'utf8')) as Case[];
  const medplumCase = cases.find((c) => c.name === 'medplum-post')!;

  it('signs exactly as the shared conformance case expects', () => {
    expect(medplumSignature(medplumCase.request.body, 'medplum-secret-1')).toBe(medplumCase.request.headers['X-Signature']);
  });

  it('sends create, update and delete with the headers of the medplum case, in order, after retrying a 503', async () => {
    const fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl });
    received.length = 0;
    failFirst = 1;
    const created = await fhir.create({ resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/pat-1' }, medicationCodeableConcept: { text: 'x' } });
    const updated = await fhir.update({ ...created, status: 'stopped' });
    await fhir.delete(`MedicationRequest/${created.id}`);
    await sandbox.notifications.drain();

    expect(received.map((r) => r.headers['x-medplum-interaction'])).toEqual(['create', 'update', 'delete']);
    for (const r of received) {
      for (const h of Object.keys(medplumCase.request.headers)) expect(r.headers[h.toLowerCase()]).toBeDefined();
      expect(r.headers['x-signature']).toBe(medplumSignature(r.body, SECRET));
      expect(r.headers['x-medplum-subscription']).toBe('sub-1');
    }
    const bodies = received.map((r) => JSON.parse(r.body) as { id: string; status: string; meta: { versionId: string } });
    expect(bodies.map((b) => [b.id, b.meta.versionId, b.status])).toEqual([
      [created.id, '1', 'active'],
      [created.id, updated.meta?.versionId, 'stopped'],
      [created.id, '2', 'stopped'],
    ]);
    expect(received[2]!.headers['x-medplum-deleted-resource']).toBe(`MedicationRequest/${created.id}`);
    const first = sandbox.notifications.deliveries.find((d) => d.interaction === 'create' && d.reference === `MedicationRequest/${created.id}`);
    expect(first).toMatchObject({ status: 202, attempts: 2 });
  });
});

// Needs no shared case, so it runs in every clone.
describe('sandbox change notifications', () => {
  it('notifies changes made inside a transaction', async () => {
    const fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl });
    received.length = 0;
    await fhir.transaction({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'POST', url: 'Task' }, resource: { resourceType: 'Task', status: 'requested', intent: 'order' } }],
    });
    await sandbox.notifications.drain();
    expect(received.map((r) => [r.headers['x-medplum-interaction'], (JSON.parse(r.body) as { resourceType: string }).resourceType])).toEqual([['create', 'Task']]);
  });
});

describe('synthetic seed', () => {
  it('is deterministic per seed and carries time zones, coded timings and a high potassium', () => {
    const a = seedSynthetic({ seed: 42, patients: 4, at: Date.UTC(2025, 0, 1) });
    const b = seedSynthetic({ seed: 42, patients: 4, at: Date.UTC(2025, 0, 1) });
    const c = seedSynthetic({ seed: 43, patients: 4, at: Date.UTC(2025, 0, 1) });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
    const patients = a.resources.filter((r) => r.resourceType === 'Patient') as { extension: { url: string; valueCode: string }[] }[];
    expect(patients).toHaveLength(4);
    for (const p of patients) expect(p.extension[0]).toMatchObject({ url: TIMEZONE_EXTENSION_URL, valueCode: expect.stringMatching(/^[A-Z][a-z]+\/[A-Za-z_]+$/) });
    const codes = a.resources.flatMap((r) => (r.resourceType === 'MedicationRequest' ? [r.dosageInstruction?.[0]?.timing?.code?.coding?.[0]?.code] : []));
    expect(codes).toEqual(['BID', 'TID', 'QD', 'BID']);
    const interpretations = a.resources.flatMap((r) => (r.resourceType === 'Observation' ? [r.interpretation?.[0]?.coding?.[0]?.code] : []));
    expect(interpretations).toEqual(['N', 'N', 'N', 'H']);
  });

  it('is loaded into the running sandbox and passes its validation', async () => {
    const fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl });
    await expect(fhir.read('CareTeam/ct-1')).resolves.toMatchObject({ participant: [{ member: { reference: 'Practitioner/prac-1' } }, { member: { reference: 'Practitioner/prac-2' } }] });
    await expect(fhir.search('Observation', { code: 'http://loinc.org|2823-3' })).resolves.toHaveLength(2);
  });
});
