import type { FhirInteraction } from '../../schemas/fhirChangeEvent';
import type { FhirResource } from '../../schemas/fhirPort';
import { HttpProblem } from '../http/httpProblem';
import { isObject, parseReference, requireResource, versionOf } from './references';
import { interactionFromVersion } from './parseRestHook';
import { type NotificationContext, type NotificationOrigin, type ParsedNotification, type ResourceChange, type SubscriptionProgress, dedupeKeyFor } from './resourceChange';

/**
 * Topic-based subscription notifications: the R5 Backport IG on R4 (a `history` Bundle whose
 * entry[0] is a `Parameters` status), R4B (the same with a `SubscriptionStatus`) and R5 (a
 * `subscription-notification` Bundle). Payloads may be empty, id-only or full-resource.
 */

interface NotificationEventInfo {
  eventNumber?: string;
  focus?: string;
  index: number;
}

interface StatusInfo {
  type: string | undefined;
  subscription: string | undefined;
  eventsSinceStart: string | undefined;
  events: NotificationEventInfo[];
}

export function isSubscriptionBundle(body: unknown): boolean {
  return isObject(body) && body.resourceType === 'Bundle' && (body.type === 'history' || body.type === 'subscription-notification');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const refOf = (v: unknown): string | undefined => (isObject(v) ? str(v.reference) : undefined);

function readParametersStatus(p: Record<string, unknown>): StatusInfo {
  const params = Array.isArray(p.parameter) ? p.parameter.filter(isObject) : [];
  const named = (name: string): Record<string, unknown> | undefined => params.find((x) => x.name === name);
  const events: NotificationEventInfo[] = [];
  params
    .filter((x) => x.name === 'notification-event')
    .forEach((ev, index) => {
      const parts = Array.isArray(ev.part) ? ev.part.filter(isObject) : [];
      const part = (name: string): Record<string, unknown> | undefined => parts.find((x) => x.name === name);
      const n = part('event-number');
      const eventNumber = str(n?.valueString) ?? str(n?.valueUnsignedInt) ?? str(n?.valueInteger64) ?? str(n?.valueInteger);
      const focus = refOf(part('focus')?.valueReference);
      events.push({ index, ...(eventNumber !== undefined ? { eventNumber } : {}), ...(focus !== undefined ? { focus } : {}) });
    });
  const since = named('events-since-subscription-start');
  const eventsSinceStart = str(since?.valueString) ?? str(since?.valueUnsignedInt) ?? str(since?.valueInteger64) ?? str(since?.valueInteger);
  return { type: str(named('type')?.valueCode), subscription: refOf(named('subscription')?.valueReference), eventsSinceStart, events };
}

function readSubscriptionStatus(s: Record<string, unknown>): StatusInfo {
  const list = Array.isArray(s.notificationEvent) ? s.notificationEvent.filter(isObject) : [];
  const events = list.map((ev, index): NotificationEventInfo => {
    const eventNumber = str(ev.eventNumber);
    const focus = refOf(ev.focus);
    return { index, ...(eventNumber !== undefined ? { eventNumber } : {}), ...(focus !== undefined ? { focus } : {}) };
  });
  return { type: str(s.type), subscription: refOf(s.subscription), eventsSinceStart: str(s.eventsSinceSubscriptionStart), events };
}

const METHOD_INTERACTION: Record<string, FhirInteraction> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/** `W/"3"` → `3`. */
function versionFromEtag(etag: unknown): string | undefined {
  return typeof etag === 'string' ? /^(?:W\/)?"([A-Za-z0-9\-.]{1,64})"$/.exec(etag)?.[1] : undefined;
}

interface PayloadEntry {
  fullUrl?: string;
  resource?: FhirResource & { id: string };
  method?: string;
  etagVersion?: string;
  where: string;
  typeAndId?: { resourceType: string; id: string };
}

function readEntries(entries: Record<string, unknown>[], server: string): PayloadEntry[] {
  return entries.slice(1).map((e, i): PayloadEntry => {
    const where = `Bundle.entry[${i + 1}]`;
    const resource = e.resource === undefined ? undefined : requireResource(e.resource, `${where}.resource`);
    const request = isObject(e.request) ? e.request : {};
    const response = isObject(e.response) ? e.response : {};
    const fullUrl = str(e.fullUrl);
    const fromUrl = parseReference(fullUrl ?? str(request.url) ?? '', server);
    const typeAndId = resource ? { resourceType: resource.resourceType, id: resource.id } : fromUrl;
    const method = str(request.method)?.toUpperCase();
    const etagVersion = versionFromEtag(response.etag);
    return {
      where,
      ...(fullUrl !== undefined ? { fullUrl } : {}),
      ...(resource ? { resource } : {}),
      ...(method !== undefined ? { method } : {}),
      ...(etagVersion !== undefined ? { etagVersion } : {}),
      ...(typeAndId ? { typeAndId: { resourceType: typeAndId.resourceType, id: typeAndId.id } } : {}),
    };
  });
}

export function parseSubscriptionBundle(body: unknown, ctx: NotificationContext): ParsedNotification {
  if (!isObject(body)) throw new HttpProblem(400, 'structure', 'the body must be a Bundle');
  const entries = Array.isArray(body.entry) ? body.entry : [];
  if (entries.length === 0 || !entries.every(isObject)) throw new HttpProblem(400, 'required', 'a notification Bundle needs entry[0] with the subscription status', 'Bundle.entry');
  const first = (entries[0] as Record<string, unknown>).resource;
  let origin: NotificationOrigin;
  let status: StatusInfo;
  if (isObject(first) && first.resourceType === 'Parameters') {
    origin = 'backport-r4';
    status = readParametersStatus(first);
  } else if (isObject(first) && first.resourceType === 'SubscriptionStatus') {
    origin = body.type === 'subscription-notification' ? 'r5-subscription' : 'r4b-subscription';
    status = readSubscriptionStatus(first);
  } else {
    throw new HttpProblem(400, 'invalid', 'entry[0] of a notification Bundle must be a Parameters or SubscriptionStatus resource', 'Bundle.entry[0].resource');
  }

  const subscription = status.subscription === undefined ? undefined : /^https?:/.test(status.subscription) ? status.subscription : `${ctx.server}/${status.subscription}`;
  const progress = progressOf(subscription, status);
  const withProgress = progress ? { progress } : {};
  switch (status.type) {
    case 'handshake':
    case 'heartbeat':
      return { kind: 'status', origin, status: status.type, ...withProgress };
    case 'event-notification':
      break;
    case undefined:
      throw new HttpProblem(400, 'required', 'the subscription status has no notification type', 'Bundle.entry[0].resource');
    default:
      throw new HttpProblem(400, 'not-supported', `notification type ${status.type.slice(0, 40)} is not a change notification`, 'Bundle.entry[0].resource');
  }

  const payload = readEntries(entries, ctx.server);
  // Some senders omit notificationEvent and list the resources only: treat each entry as an event,
  // except entries read for context (`request.method` GET, like the Patient beside an Encounter in the
  // IG's multi-resource example), which changed nothing.
  const events: NotificationEventInfo[] =
    status.events.length > 0 ? status.events : payload.filter((p) => p.typeAndId && p.method !== 'GET').map((p, index) => ({ index, focus: `${p.typeAndId?.resourceType}/${p.typeAndId?.id}` }));

  const changes: ResourceChange[] = [];
  for (const ev of events) {
    if (ev.focus === undefined) continue; // empty payload for this event
    const ref = parseReference(ev.focus, ctx.server);
    if (!ref) throw new HttpProblem(400, 'value', 'a notification event focus is not a FHIR reference', `Bundle.entry[0].resource.notificationEvent[${ev.index}].focus`);
    const entry = payload.find((p) => p.fullUrl === ev.focus) ?? payload.find((p) => p.typeAndId?.resourceType === ref.resourceType && p.typeAndId.id === ref.id);
    const resource = entry?.resource;
    if (resource && (resource.resourceType !== ref.resourceType || resource.id !== ref.id)) {
      throw new HttpProblem(400, 'invalid', 'the entry for a notification focus holds a different resource', `${entry?.where}.resource`);
    }
    const versionId = (resource ? versionOf(resource) : undefined) ?? ref.versionId ?? entry?.etagVersion;
    const interaction = (entry?.method !== undefined ? METHOD_INTERACTION[entry.method] : undefined) ?? interactionFromVersion(versionId);
    const reference = `${ref.resourceType}/${ref.id}`;
    const dedupeKey =
      versionId === undefined && subscription !== undefined && ev.eventNumber !== undefined
        ? `${subscription}|${ev.eventNumber}`
        : dedupeKeyFor(ctx.server, reference, versionId, interaction, `@${ctx.receivedAt}#${ev.index}`);
    changes.push({
      resourceType: ref.resourceType,
      id: ref.id,
      ...(versionId !== undefined ? { versionId } : {}),
      interaction,
      origin,
      ...(resource && interaction !== 'delete' ? { resource } : {}),
      dedupeKey,
    });
  }
  if (changes.length === 0) return { kind: 'query-back', origin, ...withProgress };
  return { kind: 'changes', origin, changes, ...withProgress };
}

const count = (v: string | undefined): number | undefined => (v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined);

function progressOf(subscription: string | undefined, status: StatusInfo): SubscriptionProgress | undefined {
  if (subscription === undefined) return undefined;
  const eventsSinceStart = count(status.eventsSinceStart);
  const eventNumbers = status.events.map((e) => count(e.eventNumber)).filter((n) => n !== undefined);
  return { subscription, ...(eventsSinceStart !== undefined ? { eventsSinceStart } : {}), eventNumbers };
}
