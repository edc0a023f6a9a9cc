import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { type ConformanceCaseResult, type ConformanceSummary, summarize } from '../../schemas/conformance';
import { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import type { BusPort } from '../../schemas/ports';
import type { TriggerConfigInput } from '../../schemas/triggerConfig';
import { type Db, openDatabase } from '../../core/db/openDatabase';
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { uuidIds } from '../../core/clock/ids';
import { systemClock } from '../../core/clock/systemClock';
import { createHttpServer } from '../http/createHttpServer';
import { CaptureBus } from './captureBus';
import { startFixtureFhirServer } from './fixtureFhirServer';

const ExpectedEvent = z.object({ reference: z.string(), interaction: z.string(), versionId: z.string().optional() });
const NotificationCase = z.object({
  name: z.string(),
  origin: z.string(),
  request: z.object({ method: z.string(), path: z.string(), headers: z.record(z.string(), z.string()), body: z.string() }),
  expect: z.object({ status: z.string(), action: z.string().optional(), events: z.array(ExpectedEvent), after: z.string().optional() }),
  note: z.string().optional(),
});
type NotificationCase = z.infer<typeof NotificationCase>;

export interface FhirNotificationConformanceOptions {
  /** The bus the endpoint publishes to (wrapped to observe it); the real local bus when absent. */
  bus?: (db: Db) => BusPort;
  /** ehr-a's base URL, which the cases' absolute references use (references on another base are refused). */
  ehrBaseUrl?: string;
}

/** The base URL the cases' references to ehr-a's resources use. */
const EHR_A_BASE = 'https://ehr.example.org/fhir';

/** Credentials and senders the shared cases assume (see the suite's README). */
export function conformanceConfig(fixtureBaseUrl: string): TriggerConfigInput {
  return {
    sources: {
      'ehr-a': {
        kind: 'fhir',
        baseUrl: fixtureBaseUrl,
        auth: { bearerToken: 'test-token-1' },
        outboundBearerToken: 'outbound-token-1',
        polling: { queries: ['MedicationRequest?status=active'], startFrom: '2025-03-01T00:00:00Z' },
      },
      'medplum-a': { kind: 'medplum', baseUrl: 'https://medplum.example.org/fhir', auth: { hmacSecret: 'medplum-secret-1' } },
    },
    routingAttributes: { MedicationRequest: ['status', 'intent'] },
  };
}

/** The order the id-only cases name, as the source server holds it (read back for routing attributes). */
const NOTIFIED_RESOURCE = {
  resourceType: 'MedicationRequest',
  id: 'med-123',
  meta: { versionId: '2', lastUpdated: '2025-03-09T14:05:11.902Z' },
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/pat-1' },
};

/** What the query-back fixture server holds: one more active order changed after the watermark. */
const QUERY_BACK_RESOURCE = {
  resourceType: 'MedicationRequest',
  id: 'med-200',
  meta: { versionId: '1', lastUpdated: '2025-03-09T14:05:11.902Z' },
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/pat-1' },
};

/** An order the source server has deleted: reading it answers 410 Gone. */
const DELETED_REFERENCE = 'MedicationRequest/med-410';

const FIXTURE_REFERENCES = new Set([NOTIFIED_RESOURCE, QUERY_BACK_RESOURCE].map((r) => `${r.resourceType}/${r.id}`));

/** Does the request body hold the resource itself (a full-resource payload), anywhere inside it? */
function carriesResource(body: string, resourceType: string, id: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  const walk = (v: unknown, depth: number): boolean => {
    if (depth > 8 || v === null || typeof v !== 'object') return false;
    if (Array.isArray(v)) return v.some((x) => walk(x, depth + 1));
    const o = v as Record<string, unknown>;
    if (o.resourceType === resourceType && o.id === id) return true;
    return Object.values(o).some((x) => walk(x, depth + 1));
  };
  return walk(parsed, 0);
}

async function replay(baseUrl: string, c: NotificationCase): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}${c.request.path}`, {
    method: c.request.method,
    headers: c.request.headers,
    ...(c.request.body !== '' ? { body: c.request.body } : {}),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

function statusMatches(expected: string, actual: number): boolean {
  return expected === '2xx' ? actual >= 200 && actual < 300 : String(actual) === expected;
}

function isOperationOutcome(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { resourceType?: unknown }).resourceType === 'OperationOutcome' && Array.isArray((body as { issue?: unknown }).issue);
}

async function runCase(c: NotificationCase, byName: Map<string, NotificationCase>, options: FhirNotificationConformanceOptions): Promise<ConformanceCaseResult> {
  const problems: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'clinflow-fhir-notify-'));
  const fixture = await startFixtureFhirServer([NOTIFIED_RESOURCE, QUERY_BACK_RESOURCE], { gone: [DELETED_REFERENCE] });
  const db = openDatabase(join(dir, 'clinflow.sqlite'));
  const bus = new CaptureBus(db, options.bus?.(db) ?? new LocalEventBus({ db, clock: systemClock, ids: uuidIds }));
  // The cases name resources on ehr-a's base (references on another base are refused), so ehr-a is
  // configured with that base and its outbound requests are routed to the fixture server.
  // Each case names ehr-a's resources on one base (the shared corpus on ehr.example.org, the IG's
  // examples on example.org): ehr-a is configured with the base the case's references use.
  const named = /(https?:\/\/[^"\\]+?\/fhir)\/(?!Subscription)[A-Z][A-Za-z]+\//.exec(c.request.body ?? '')?.[1];
  const ehrBase = options.ehrBaseUrl ?? (named !== undefined && !named.includes('hl7.org') ? named : EHR_A_BASE);
  const toFixture: typeof fetch = (input, init) => fetch(String(input instanceof Request ? input.url : input).replace(ehrBase, fixture.baseUrl), init);
  const config = conformanceConfig(ehrBase);
  const routingAttributes = config.routingAttributes ?? {};
  const http = createHttpServer(config, { db, bus, clock: systemClock, fetch: toFixture });
  try {
    const { port } = await http.listen(0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${port}`;
    if (c.expect.after !== undefined) {
      const first = byName.get(c.expect.after);
      if (!first) problems.push(`unknown "after" case ${c.expect.after}`);
      else if (!statusMatches('2xx', (await replay(baseUrl, first)).status)) problems.push(`the earlier delivery ${first.name} was not accepted`);
      await http.router.poller.idle();
    }
    const before = bus.lastSeq();
    const searchesBefore = fixture.requests.length;
    const res = await replay(baseUrl, c);
    await http.router.poller.idle();
    if (!statusMatches(c.expect.status, res.status)) problems.push(`status ${res.status}, expected ${c.expect.status}`);
    if (res.status >= 400 && !isOperationOutcome(res.body)) problems.push('a refusal must carry an OperationOutcome');

    const produced = bus.events(before).map((e) => FhirChangeDetail.strict().safeParse(JSON.parse(e.entry.Detail ?? 'null')));
    const details = produced.flatMap((p) => (p.success ? [p.data] : []));
    if (details.length < produced.length) problems.push('an event detail does not match the FHIR change event schema (or carries extra fields)');
    const fromRequest = details.filter((d) => d.origin !== 'polling');
    const fromQueryBack = details.filter((d) => d.origin === 'polling');

    if (fromRequest.length !== c.expect.events.length) problems.push(`${fromRequest.length} event(s), expected ${c.expect.events.length}`);
    c.expect.events.forEach((want, i) => {
      const got = fromRequest[i];
      if (!got) return;
      if (got.reference !== want.reference) problems.push(`event ${i}: reference ${got.reference}, expected ${want.reference}`);
      if (got.interaction !== want.interaction) problems.push(`event ${i}: interaction ${got.interaction}, expected ${want.interaction}`);
      if (want.versionId !== undefined && got.versionId !== want.versionId) problems.push(`event ${i}: versionId ${got.versionId ?? 'none'}, expected ${want.versionId}`);
      if (got.origin !== c.origin) problems.push(`event ${i}: origin ${got.origin}, expected ${c.origin}`);
      // Routing attributes: only those configured for the type, never more (minimum necessary PHI);
      // a type with none configured gets none, and a deleted resource has no state to route on.
      const configured = routingAttributes[got.resourceType] ?? [];
      const attributes = Object.keys(got.attributes);
      const extra = attributes.filter((a) => !configured.includes(a));
      if (extra.length > 0) problems.push(`event ${i}: routing attributes ${extra.join(', ')} are not configured for ${got.resourceType}`);
      if (got.interaction === 'delete' && attributes.length > 0) problems.push(`event ${i}: a delete carries routing attributes ${JSON.stringify(got.attributes)}`);
      // A change of a type rules route on carries its attributes whenever the resource was there to read:
      // in the payload, or (id-only) on the source server.
      const available = FIXTURE_REFERENCES.has(got.reference) || carriesResource(c.request.body, got.resourceType, got.id);
      if (got.interaction !== 'delete' && configured.length > 0 && available && attributes.length === 0) {
        problems.push(`event ${i}: no routing attributes, expected ${configured.join(', ')} (from the payload or read back)`);
      }
    });

    // Searches only; reads of a named resource (id-only enrichment) are not query-backs.
    const searches = fixture.requests.slice(searchesBefore).filter((r) => /^\/fhir\/[A-Z][A-Za-z]+$/.test(r.url.pathname));
    if (c.expect.action === 'query-back') {
      const search = searches.find((s) => s.url.pathname === '/fhir/MedicationRequest');
      if (!search) problems.push('no query-back search reached the FHIR server');
      else {
        if (search.url.searchParams.get('status') !== 'active') problems.push('the query-back dropped the subscription criteria');
        if (!/^(ge|gt)2025-03-01/.test(search.url.searchParams.get('_lastUpdated') ?? '')) problems.push('the query-back has no _lastUpdated watermark');
        if (search.authorization !== 'Bearer outbound-token-1') problems.push("the query-back did not use the source's outbound credentials");
      }
      if (!fromQueryBack.some((d) => d.reference === 'MedicationRequest/med-200' && d.versionId === '1' && d.interaction === 'create')) {
        problems.push('the query-back did not publish the changed resource');
      }
    } else if (fromQueryBack.length > 0 || searches.length > 0) problems.push('an unexpected query-back ran');

    if (res.status >= 400) {
      const dedupeRows = db.prepare('SELECT count(*) FROM trigger_dedupe').pluck().get() as number;
      const pollRows = db.prepare('SELECT count(*) FROM trigger_poll_requests').pluck().get() as number;
      if (bus.lastSeq() !== before || (c.expect.after === undefined && dedupeRows > 0) || pollRows > 0) problems.push('a refused request stored something');
    }
    const health = await fetch(`${baseUrl}/health`);
    if (health.status !== 200) problems.push('the server stopped serving after the case');
    await health.body?.cancel();
  } catch (err) {
    problems.push(`error: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await http.close();
    await fixture.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { id: c.name, category: c.origin, passed: problems.length === 0, ...(problems.length ? { reason: problems.join('; ') } : {}) };
}

/**
 * Replays each case of a FHIR notification case file over real HTTP against the endpoint on
 * 127.0.0.1 (a fresh database per case; a case's `after` is delivered first), and checks the
 * status, the OperationOutcome of refusals, the events published and the query-back.
 */
export async function runFhirNotificationConformance(file: string, options: FhirNotificationConformanceOptions = {}): Promise<ConformanceSummary> {
  return summarize(await runFhirNotificationCases(file, options));
}

/** The per-case results, with the reason of each failure. */
export async function runFhirNotificationCases(file: string, options: FhirNotificationConformanceOptions = {}): Promise<ConformanceCaseResult[]> {
  const cases = z.array(NotificationCase).parse(JSON.parse(readFileSync(file, 'utf8')));
  const byName = new Map(cases.map((c) => [c.name, c]));
  const results: ConformanceCaseResult[] = [];
  for (const c of cases) results.push(await runCase(c, byName, options));
  return results;
}
