import type { FhirInteraction } from '../../schemas/fhirChangeEvent';
import type { FhirResource } from '../../schemas/fhirPort';

export type NotificationOrigin = 'r4-rest-hook' | 'hapi-rest-hook' | 'medplum' | 'backport-r4' | 'r4b-subscription' | 'r5-subscription' | 'polling';

/** One resource change, read from a notification or a poll, before it becomes a bus event. */
export interface ResourceChange {
  resourceType: string;
  id: string;
  versionId?: string;
  interaction: FhirInteraction;
  origin: NotificationOrigin;
  /** The resource when the sender included it: used only to extract routing attributes, never forwarded. */
  resource?: FhirResource;
  /** `server|reference|versionId`, or `subscription|eventNumber` when the version is unknown. */
  dedupeKey: string;
}

/** Event numbering of a topic-based subscription, to notice missed notifications. */
export interface SubscriptionProgress {
  /** Absolute subscription URL. */
  subscription: string;
  /** `eventsSinceSubscriptionStart` as the server reports it. */
  eventsSinceStart?: number;
  /** Event numbers this notification carries. */
  eventNumbers: number[];
}

/** What a notification asks of us. */
export type ParsedNotification =
  | { kind: 'changes'; origin: NotificationOrigin; changes: ResourceChange[]; progress?: SubscriptionProgress }
  /** Handshakes and heartbeats: answer 2xx, start nothing. */
  | { kind: 'status'; origin: NotificationOrigin; status: 'handshake' | 'heartbeat'; progress?: SubscriptionProgress }
  /** No ids in the notification: query the server back (criteria + `_lastUpdated`). */
  | { kind: 'query-back'; origin: NotificationOrigin; progress?: SubscriptionProgress };

/** Facts about the request that the parsers need besides its body. */
export interface NotificationContext {
  /** The source's configured base URL (`detail.server`). */
  server: string;
  /** Receipt time, ms since epoch: the dedupe key of a change with no version and no event number. */
  receivedAt: number;
}

export function dedupeKeyFor(server: string, reference: string, versionId: string | undefined, interaction: FhirInteraction, fallback: string): string {
  // A delete notification may carry the last version's id: keep it apart from that version's update.
  const suffix = interaction === 'delete' ? '|deleted' : '';
  return versionId !== undefined ? `${server}|${reference}|${versionId}${suffix}` : `${server}|${reference}|${fallback}${suffix}`;
}

/** What dedupe keys of a source start with: its `dedupeId`, else its base URL (serverOf). */
export function dedupeScopeOf(source: { baseUrl: string; dedupeId?: string | undefined }): string {
  return source.dedupeId !== undefined ? `id:${source.dedupeId}` : source.baseUrl.replace(/\/+$/, '');
}
