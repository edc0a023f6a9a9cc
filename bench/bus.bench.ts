/**
 * Event-pattern matching throughput: FHIR change events (schemas/fhirChangeEvent.ts) matched
 * against 1, 100 and 1000 FHIR-style rules (source, detail-type, detail.resourceType,
 * detail.attributes.status with prefix, numeric, anything-but and exists), for clinflow's shared
 * automaton and for the npm peer serverless-offline-aws-eventbridge, whose matcher
 * (`verifyIsSubscribed`) tests one rule at a time. Both sides start from the PutEvents entry
 * (Detail as JSON text), and the run checks that they agree on which rules match.
 *
 * Options: --seconds=N (time per measurement, default 1.5), --events=N (event pool size).
 */
import { createRequire } from 'node:module';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PatternMatcher } from '../engine/bus/pattern/patternMatcher';
import { FHIR_EVENT_DETAIL_TYPE, FHIR_EVENT_SOURCE, type FhirChangeDetail } from '../schemas/fhirChangeEvent';

const RESOURCE_TYPES = [
  'MedicationRequest',
  'MedicationStatement',
  'MedicationAdministration',
  'Observation',
  'Encounter',
  'Appointment',
  'ServiceRequest',
  'Task',
  'Condition',
  'Procedure',
  'CarePlan',
  'DiagnosticReport',
];
const STATUSES = ['active', 'completed', 'stopped', 'cancelled', 'on-hold', 'draft', 'entered-in-error', 'final', 'preliminary', 'booked'];
const SERVERS = Array.from({ length: 25 }, (_, i) => `https://ehr${i}.example.org/fhir`);

interface Rng {
  next(): number;
}
function rng(seed: number): Rng {
  let s = seed >>> 0;
  return { next: () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 };
}
function pick<T>(r: Rng, list: readonly T[]): T {
  return list[Math.floor(r.next() * list.length)] as T;
}

/** Rule i of a FHIR-style rule set; every rule is distinct. */
export function fhirRule(i: number): Record<string, unknown> {
  const rt = RESOURCE_TYPES[i % RESOURCE_TYPES.length] as string;
  const server = SERVERS[Math.floor(i / RESOURCE_TYPES.length) % SERVERS.length] as string;
  const base = { source: [FHIR_EVENT_SOURCE], 'detail-type': [FHIR_EVENT_DETAIL_TYPE] };
  switch (i % 4) {
    case 0:
      return { ...base, detail: { server: [server], resourceType: [rt], attributes: { status: [STATUSES[i % STATUSES.length], STATUSES[(i + 3) % STATUSES.length]] } } };
    case 1:
      return { ...base, detail: { server: [server], resourceType: [rt], attributes: { status: [{ 'anything-but': ['stopped', 'cancelled', 'entered-in-error'] }] } } };
    case 2:
      return {
        ...base,
        detail: { server: [{ prefix: server.slice(0, -5) }], resourceType: [{ prefix: rt.slice(0, 4) }], attributes: { status: [{ exists: true }], priority: [{ numeric: ['>=', i % 5] }] } },
      };
    default:
      return { ...base, detail: { server: [server], resourceType: [rt], attributes: { status: [STATUSES[i % STATUSES.length]], dose: [{ numeric: ['>', i % 40, '<=', (i % 40) + 20] }] } } };
  }
}

export function fhirEntry(r: Rng, n: number): PutEventsRequestEntry {
  const resourceType = pick(r, RESOURCE_TYPES);
  const id = `res-${n}`;
  const server = pick(r, SERVERS);
  const detail: FhirChangeDetail = {
    server,
    reference: `${resourceType}/${id}`,
    resourceType,
    id,
    versionId: String(1 + (n % 7)),
    interaction: n % 5 === 0 ? 'create' : 'update',
    origin: 'r4b-subscription',
    attributes: { status: pick(r, STATUSES), intent: 'order', priority: Math.floor(r.next() * 6), dose: Math.round(r.next() * 800) / 10 },
    dedupeKey: `${server}|${resourceType}/${id}|${1 + (n % 7)}`,
  };
  return { Source: FHIR_EVENT_SOURCE, DetailType: FHIR_EVENT_DETAIL_TYPE, Resources: [detail.reference], Detail: JSON.stringify(detail) };
}

function toEvent(entry: PutEventsRequestEntry, n: number): Record<string, unknown> {
  return {
    version: '0',
    id: `ev-${n}`,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '000000000000',
    time: '2025-03-09T14:05:11Z',
    region: 'local',
    resources: entry.Resources ?? [],
    detail: JSON.parse(entry.Detail ?? '{}'),
  };
}

interface PeerPlugin {
  logDebug: (msg: string) => void;
  verifyIsSubscribed(subscriber: { event: { pattern: unknown }; functionKey: string }, entry: PutEventsRequestEntry): boolean;
}

function loadPeer(): PeerPlugin {
  // The plugin's matcher is an instance method; build an instance without starting its servers.
  const load = createRequire(import.meta.url);
  const mod = load('serverless-offline-aws-eventbridge') as { prototype: PeerPlugin; default?: { prototype: PeerPlugin } };
  const peer = Object.create((mod.default ?? mod).prototype) as PeerPlugin;
  peer.logDebug = () => {};
  return peer;
}

/**
 * Runs `step` for `seconds` of wall time. Reports events per wall-clock second and per CPU second
 * of this process (user + system): on a shared machine the second says what the code costs, the
 * first what this run happened to get.
 */
function measure(seconds: number, step: (i: number) => number): { perSecond: number; perCpuSecond: number; matched: number } {
  const budget = seconds * 1000;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  let matched = 0;
  while (performance.now() - start < budget) {
    for (let k = 0; k < 64; k++) matched += step(n++);
  }
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: (n / (performance.now() - start)) * 1000, perCpuSecond: n / ((cpu.user + cpu.system) / 1e6), matched };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(11);
}

export async function run(args: string[]): Promise<void> {
  const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
  const seconds = opt('seconds', 1.5);
  const r = rng(42);
  const entries = Array.from({ length: opt('events', 2000) }, (_, n) => fhirEntry(r, n));
  const peer = loadPeer();
  process.stdout.write(`events: FHIR change events, ${entries.length} distinct; ${seconds}s per measurement; node ${process.version}\n`);
  // The machine is shared: JSON.parse of the same entries shows how much CPU this run actually got.
  const parse = measure(Math.min(seconds, 1), (n) => (JSON.parse((entries[n % entries.length] as PutEventsRequestEntry).Detail ?? '{}') ? 1 : 0));
  process.stdout.write(`calibration: JSON.parse of one entry's Detail ${fmt(parse.perSecond).trim()}/s wall, ${fmt(parse.perCpuSecond).trim()}/s CPU\n`);
  process.stdout.write("ev/s wall = events per elapsed second; ev/s CPU = events per second of this process's CPU time\n");
  process.stdout.write(
    `${'rules'.padStart(6)} ${'clinflow wall'.padStart(14)} ${'clinflow CPU'.padStart(13)} ${'peer wall'.padStart(11)} ${'peer CPU'.padStart(11)} ${'ratio(CPU)'.padStart(11)}  agreement\n`,
  );
  for (const count of [1, 100, 1000]) {
    const matcher = new PatternMatcher();
    const rules = Array.from({ length: count }, (_, i) => fhirRule(i));
    rules.forEach((p, i) => matcher.addRule(`r${i}`, p));
    const subscribers = rules.map((pattern, i) => ({ event: { pattern }, functionKey: `r${i}` }));

    // Agreement on a sample: the same set of rule ids per event.
    let agree = 0;
    const sample = entries.slice(0, 200);
    sample.forEach((e, n) => {
      const ours = matcher.matches(toEvent(e, n)).sort().join(',');
      const theirs = subscribers
        .filter((s) => peer.verifyIsSubscribed(s, e))
        .map((s) => s.functionKey)
        .sort()
        .join(',');
      if (ours === theirs) agree++;
    });

    const ours = measure(seconds, (n) => matcher.matches(toEvent(entries[n % entries.length] as PutEventsRequestEntry, n)).length);
    const peerSeconds = count >= 1000 ? Math.max(seconds, 2) : seconds;
    const theirs = measure(peerSeconds, (n) => {
      const e = entries[n % entries.length] as PutEventsRequestEntry;
      let m = 0;
      for (const s of subscribers) if (peer.verifyIsSubscribed(s, e)) m++;
      return m;
    });
    process.stdout.write(
      `${String(count).padStart(6)} ${fmt(ours.perSecond).padStart(14)} ${fmt(ours.perCpuSecond).padStart(13)} ${fmt(theirs.perSecond)} ${fmt(theirs.perCpuSecond)} ${(ours.perCpuSecond / theirs.perCpuSecond).toFixed(1).padStart(10)}x  ${agree}/${sample.length} events same rule set\n`,
    );
  }
}
