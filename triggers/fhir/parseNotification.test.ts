import { HttpProblem } from '../http/httpProblem';
import { parseNotification } from './parseNotification';
import type { ParsedNotification } from './resourceChange';

const ctx = { server: 'https://ehr.example.org/fhir', receivedAt: 1_741_529_111_000 };
const fhir = { kind: 'fhir' as const };
const mr = (versionId?: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'MedicationRequest',
  id: 'med-1',
  ...(versionId ? { meta: { versionId, lastUpdated: '2025-03-09T14:05:11Z' } } : {}),
  status: 'active',
  intent: 'order',
  ...extra,
});

function changes(p: ParsedNotification) {
  if (p.kind !== 'changes') throw new Error(`expected changes, got ${p.kind}`);
  return p.changes;
}

function problemOf(fn: () => unknown): HttpProblem {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpProblem) return err;
    throw err;
  }
  throw new Error('expected an HttpProblem');
}

const status = (type: string, extra: Record<string, unknown>[] = []) => ({
  resourceType: 'Parameters',
  parameter: [{ name: 'subscription', valueReference: { reference: 'https://ehr.example.org/fhir/Subscription/s1' } }, { name: 'type', valueCode: type }, ...extra],
});
const bundle = (first: unknown, rest: unknown[] = [], type = 'history') => ({ resourceType: 'Bundle', type, entry: [{ resource: first }, ...rest] });
const event = (n: string, focus?: string) => ({
  name: 'notification-event',
  part: [{ name: 'event-number', valueString: n }, ...(focus ? [{ name: 'focus', valueReference: { reference: focus } }] : [])],
});

describe('R4 rest-hook', () => {
  it('reads a PUT {type}/{id} payload as an update with its version', () => {
    const [c] = changes(parseNotification(fhir, { method: 'PUT', subpath: ['MedicationRequest', 'med-1'], body: mr('2') }, ctx));
    expect(c).toMatchObject({ resourceType: 'MedicationRequest', id: 'med-1', versionId: '2', interaction: 'update', origin: 'r4-rest-hook' });
    expect(c?.dedupeKey).toBe('https://ehr.example.org/fhir|MedicationRequest/med-1|2');
  });
  it('calls version 1 a create', () => {
    expect(changes(parseNotification(fhir, { method: 'PUT', subpath: ['MedicationRequest', 'med-1'], body: mr('1') }, ctx))[0]?.interaction).toBe('create');
  });
  it('labels a HAPI source as hapi-rest-hook', () => {
    expect(changes(parseNotification({ kind: 'hapi' }, { method: 'PUT', subpath: ['MedicationRequest', 'med-1'], body: mr('3') }, ctx))[0]?.origin).toBe('hapi-rest-hook');
  });
  it("recognises HAPI by its client's User-Agent on any FHIR source", () => {
    const put = { method: 'PUT', subpath: ['MedicationRequest', 'med-1'], body: mr('3') };
    const hapiUa = 'HAPI-FHIR/6.10.0 (FHIR Client; FHIR 4.0.1/R4; apache)';
    expect(changes(parseNotification(fhir, { ...put, userAgent: hapiUa }, ctx))[0]?.origin).toBe('hapi-rest-hook');
    expect(changes(parseNotification(fhir, { ...put, userAgent: 'curl/8.0' }, ctx))[0]?.origin).toBe('r4-rest-hook');
  });
  it('asks for a query-back on an empty POST', () => {
    expect(parseNotification(fhir, { method: 'POST', subpath: [], body: undefined }, ctx)).toEqual({ kind: 'query-back', origin: 'r4-rest-hook' });
  });
  it('accepts a POST of a bare resource to the endpoint', () => {
    expect(changes(parseNotification(fhir, { method: 'POST', subpath: [], body: mr('4') }, ctx))[0]).toMatchObject({ versionId: '4', interaction: 'update' });
  });
  it("reads HAPI's DELETE {type}/{id} as a delete without version", () => {
    const [c] = changes(parseNotification({ kind: 'hapi' }, { method: 'DELETE', subpath: ['MedicationRequest', 'med-1'], body: undefined }, ctx));
    expect(c).toMatchObject({ resourceType: 'MedicationRequest', id: 'med-1', interaction: 'delete', origin: 'hapi-rest-hook' });
    expect(c?.versionId).toBeUndefined();
    expect(c?.dedupeKey).toMatch(/\|deleted$/);
  });
  it('refuses a body whose type does not match the path', () => {
    const p = problemOf(() => parseNotification(fhir, { method: 'PUT', subpath: ['Patient', 'med-1'], body: mr('2') }, ctx));
    expect(p.status).toBe(400);
    expect(p.diagnostics).toMatch(/MedicationRequest.*Patient/);
    expect(p.expression).toBe('MedicationRequest.resourceType');
  });
  it('refuses a body whose id does not match the path', () => {
    expect(problemOf(() => parseNotification(fhir, { method: 'PUT', subpath: ['MedicationRequest', 'other'], body: mr('2') }, ctx)).status).toBe(400);
  });
  it('refuses an empty PUT, a non-resource body and a bad versionId', () => {
    expect(problemOf(() => parseNotification(fhir, { method: 'PUT', subpath: ['MedicationRequest', 'med-1'], body: undefined }, ctx)).code).toBe('required');
    expect(problemOf(() => parseNotification(fhir, { method: 'POST', subpath: [], body: [1, 2] }, ctx)).status).toBe(400);
    expect(problemOf(() => parseNotification(fhir, { method: 'POST', subpath: [], body: { resourceType: 'MedicationRequest' } }, ctx)).expression).toBe('Resource.id');
    expect(problemOf(() => parseNotification(fhir, { method: 'POST', subpath: [], body: { ...mr(), meta: { versionId: 7 } } }, ctx)).expression).toBe('Resource.meta.versionId');
  });
  it('refuses wrong methods with 405 and an Allow header, odd paths with 404', () => {
    const p = problemOf(() => parseNotification(fhir, { method: 'PATCH', subpath: ['MedicationRequest', 'med-1'], body: mr('2') }, ctx));
    expect(p.status).toBe(405);
    expect(p.headers.Allow).toBe('PUT, DELETE');
    expect(problemOf(() => parseNotification(fhir, { method: 'PUT', subpath: [], body: mr('2') }, ctx)).status).toBe(405);
    expect(problemOf(() => parseNotification(fhir, { method: 'PUT', subpath: ['MedicationRequest'], body: mr('2') }, ctx)).status).toBe(404);
    expect(problemOf(() => parseNotification(fhir, { method: 'PUT', subpath: ['a', 'b', 'c'], body: mr('2') }, ctx)).status).toBe(404);
  });
});

describe('Medplum', () => {
  const medplum = { kind: 'medplum' as const };
  it('takes the interaction from X-Medplum-Interaction', () => {
    const [c] = changes(parseNotification(medplum, { method: 'POST', subpath: [], body: mr('5'), medplumInteraction: 'delete' }, ctx));
    expect(c).toMatchObject({ interaction: 'delete', versionId: '5', origin: 'medplum' });
    // A delete never collides with the update of the same version.
    expect(c?.dedupeKey).toBe('https://ehr.example.org/fhir|MedicationRequest/med-1|5|deleted');
  });
  it('falls back to the version without the header', () => {
    expect(changes(parseNotification(medplum, { method: 'POST', subpath: [], body: mr('1') }, ctx))[0]?.interaction).toBe('create');
  });
  // https://www.medplum.com/docs/subscriptions/subscription-extensions ("Handling Delete Interaction"):
  // a delete is a POST of `{}` with `X-Medplum-Deleted-Resource: Type/id`.
  it('reads a delete from X-Medplum-Deleted-Resource with an empty-object body, never refusing it', () => {
    const [c] = changes(parseNotification(medplum, { method: 'POST', subpath: [], body: {}, medplumDeletedResource: 'MedicationRequest/med-9' }, ctx));
    expect(c).toEqual({
      resourceType: 'MedicationRequest',
      id: 'med-9',
      interaction: 'delete',
      origin: 'medplum',
      dedupeKey: `https://ehr.example.org/fhir|MedicationRequest/med-9|@${ctx.receivedAt}|deleted`,
    });
    const withInteraction = parseNotification(medplum, { method: 'POST', subpath: [], body: {}, medplumInteraction: 'delete', medplumDeletedResource: 'MedicationRequest/med-9' }, ctx);
    expect(changes(withInteraction)[0]).toMatchObject({ resourceType: 'MedicationRequest', id: 'med-9', interaction: 'delete' });
  });
  it('refuses a delete that names no resource, or names it badly', () => {
    expect(problemOf(() => parseNotification(medplum, { method: 'POST', subpath: [], body: {}, medplumInteraction: 'delete' }, ctx)).status).toBe(400);
    expect(problemOf(() => parseNotification(medplum, { method: 'POST', subpath: [], body: {}, medplumDeletedResource: 'not a reference' }, ctx)).status).toBe(400);
  });
  it('refuses an unknown interaction, an empty body and other methods', () => {
    expect(problemOf(() => parseNotification(medplum, { method: 'POST', subpath: [], body: mr('1'), medplumInteraction: 'vread' }, ctx)).status).toBe(400);
    expect(problemOf(() => parseNotification(medplum, { method: 'POST', subpath: [], body: undefined }, ctx)).status).toBe(400);
    expect(problemOf(() => parseNotification(medplum, { method: 'PUT', subpath: ['MedicationRequest', 'med-1'], body: mr('1') }, ctx)).status).toBe(405);
  });
});

describe('topic-based subscriptions', () => {
  const post = (body: unknown) => parseNotification(fhir, { method: 'POST', subpath: [], body }, ctx);
  it('answers backport handshakes and heartbeats without changes', () => {
    const progress = { subscription: 'https://ehr.example.org/fhir/Subscription/s1', eventNumbers: [] };
    expect(post(bundle(status('handshake')))).toEqual({ kind: 'status', origin: 'backport-r4', status: 'handshake', progress });
    const heartbeat = status('heartbeat', [{ name: 'events-since-subscription-start', valueString: '17' }]);
    expect(post(bundle(heartbeat))).toEqual({ kind: 'status', origin: 'backport-r4', status: 'heartbeat', progress: { ...progress, eventsSinceStart: 17 } });
  });
  it('dedupes an id-only backport event on subscription + event number', () => {
    const [c] = changes(post(bundle(status('event-notification', [event('42', 'https://ehr.example.org/fhir/MedicationRequest/med-1')]))));
    expect(c).toMatchObject({ resourceType: 'MedicationRequest', id: 'med-1', interaction: 'update', origin: 'backport-r4' });
    expect(c?.resource).toBeUndefined();
    expect(c?.dedupeKey).toBe('https://ehr.example.org/fhir/Subscription/s1|42');
  });
  it('makes a relative subscription reference absolute for the dedupe key', () => {
    const s = status('event-notification', [event('7', 'MedicationRequest/med-1')]);
    s.parameter[0] = { name: 'subscription', valueReference: { reference: 'Subscription/s9' } };
    expect(changes(post(bundle(s)))[0]?.dedupeKey).toBe('https://ehr.example.org/fhir/Subscription/s9|7');
  });
  it('queries back on an empty payload', () => {
    expect(post(bundle(status('event-notification', [event('43')])))).toEqual({
      kind: 'query-back',
      origin: 'backport-r4',
      progress: { subscription: 'https://ehr.example.org/fhir/Subscription/s1', eventNumbers: [43] },
    });
  });
  it('reads a full-resource payload: version, interaction from request.method, the resource for attributes', () => {
    const body = bundle(status('event-notification', [event('44', 'https://ehr.example.org/fhir/MedicationRequest/med-1')]), [
      { fullUrl: 'https://ehr.example.org/fhir/MedicationRequest/med-1', resource: mr('1'), request: { method: 'POST', url: 'MedicationRequest' } },
    ]);
    const [c] = changes(post(body));
    expect(c).toMatchObject({ versionId: '1', interaction: 'create' });
    expect(c?.resource?.status).toBe('active');
    expect(c?.dedupeKey).toBe('https://ehr.example.org/fhir|MedicationRequest/med-1|1');
  });
  it('reads several events, a delete and a version from a _history focus', () => {
    const body = bundle(status('event-notification', [event('50', 'MedicationRequest/a/_history/3'), event('51', 'https://ehr.example.org/fhir/MedicationRequest/b')]), [
      { fullUrl: 'https://ehr.example.org/fhir/MedicationRequest/b', request: { method: 'DELETE', url: 'MedicationRequest/b' }, response: { status: '204', etag: 'W/"9"' } },
    ]);
    const cs = changes(post(body));
    expect(cs.map((c) => [c.id, c.versionId, c.interaction])).toEqual([
      ['a', '3', 'update'],
      ['b', '9', 'delete'],
    ]);
  });
  it('reads R4B SubscriptionStatus in a history Bundle and R5 subscription-notification', () => {
    const ss = {
      resourceType: 'SubscriptionStatus',
      type: 'event-notification',
      subscription: { reference: 'https://ehr.example.org/fhir/Subscription/s1' },
      notificationEvent: [{ eventNumber: 12, focus: { reference: 'https://ehr.example.org/fhir/MedicationRequest/med-1' } }],
    };
    const r4b = changes(post(bundle(ss)));
    expect(r4b[0]).toMatchObject({ origin: 'r4b-subscription', dedupeKey: 'https://ehr.example.org/fhir/Subscription/s1|12' });
    expect(changes(post(bundle(ss, [], 'subscription-notification')))[0]?.origin).toBe('r5-subscription');
    expect(post(bundle({ ...ss, type: 'heartbeat', eventsSinceSubscriptionStart: '12', notificationEvent: [] }, [], 'subscription-notification'))).toEqual({
      kind: 'status',
      origin: 'r5-subscription',
      status: 'heartbeat',
      progress: { subscription: 'https://ehr.example.org/fhir/Subscription/s1', eventsSinceStart: 12, eventNumbers: [] },
    });
  });
  it('uses the payload entries when notificationEvent is absent', () => {
    const ss = { resourceType: 'SubscriptionStatus', type: 'event-notification' };
    const cs = changes(post(bundle(ss, [{ fullUrl: 'https://ehr.example.org/fhir/MedicationRequest/med-1', resource: mr('6') }], 'subscription-notification')));
    expect(cs[0]).toMatchObject({ id: 'med-1', versionId: '6' });
  });
  // The Backport IG's multi-resource example: the Patient beside the Encounter was read (GET) for context.
  it('does not count an entry read for context (request GET) as a change when notificationEvent is absent', () => {
    const ss = { resourceType: 'SubscriptionStatus', type: 'event-notification' };
    const cs = changes(
      post(
        bundle(ss, [
          { fullUrl: 'https://ehr.example.org/fhir/Encounter/e1', resource: { resourceType: 'Encounter', id: 'e1', meta: { versionId: '1' } }, request: { method: 'POST', url: 'Encounter' } },
          { fullUrl: 'https://ehr.example.org/fhir/Patient/p1', resource: { resourceType: 'Patient', id: 'p1' }, request: { method: 'GET', url: 'Patient/p1' } },
        ]),
      ),
    );
    expect(cs.map((c) => [`${c.resourceType}/${c.id}`, c.interaction])).toEqual([['Encounter/e1', 'create']]);
  });
  it('refuses malformed notification Bundles', () => {
    expect(problemOf(() => post({ resourceType: 'Bundle', type: 'history', entry: [] })).expression).toBe('Bundle.entry');
    expect(problemOf(() => post(bundle({ resourceType: 'Patient', id: 'p' }))).expression).toBe('Bundle.entry[0].resource');
    expect(problemOf(() => post(bundle(status('query-status')))).code).toBe('not-supported');
    expect(problemOf(() => post(bundle({ resourceType: 'Parameters', parameter: [] }))).code).toBe('required');
    expect(problemOf(() => post(bundle(status('event-notification', [event('1', 'not a reference')])))).status).toBe(400);
    const mismatched = bundle(status('event-notification', [event('2', 'https://ehr.example.org/fhir/MedicationRequest/med-1')]), [
      { fullUrl: 'https://ehr.example.org/fhir/MedicationRequest/med-1', resource: { ...mr('1'), id: 'other' } },
    ]);
    expect(problemOf(() => post(mismatched)).code).toBe('invalid');
  });
});
