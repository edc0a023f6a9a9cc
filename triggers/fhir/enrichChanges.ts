import type { FhirReader } from '../../core/fhir/createFhirReader';
import type { FhirResource } from '../../schemas/fhirPort';
import type { SourceConfig } from '../../schemas/triggerConfig';
import { HttpProblem } from '../http/httpProblem';
import { isObject, versionOf } from './references';
import { type ResourceChange, dedupeKeyFor, dedupeScopeOf } from './resourceChange';
import type { RoutingAttributeExtractor } from './routingAttributes';
import { serverOf } from './serverOf';

/**
 * An id-only notification names the resource but not its state, so a rule routing on `status`
 * would never match it. When rules route on attributes of that type, read the resource back from
 * the source (with clinflow's outbound credentials, by core/fhir's reader) to extract them; its version then keys the
 * dedupe like any other change. A resource that is not found is published without attributes, one
 * that is gone (410) as a delete; a server that cannot answer makes the notification fail with 503
 * so the sender retries.
 */
export async function enrichIdOnlyChanges(changes: readonly ResourceChange[], source: SourceConfig, extractor: RoutingAttributeExtractor, reader: FhirReader): Promise<ResourceChange[]> {
  const server = serverOf(source);
  return Promise.all(
    changes.map(async (change) => {
      if (change.resource || change.interaction === 'delete' || extractor.namesFor(change.resourceType).length === 0) return change;
      let res: { status: number; body: unknown };
      try {
        res = await reader.get(`${change.resourceType}/${encodeURIComponent(change.id)}`);
      } catch {
        // Unreachable, timed out, or the body stopped mid-way: the sender is told to retry.
        throw new HttpProblem(503, 'transient', 'could not read the changed resource back from the source; retry later', undefined, { 'Retry-After': '5' });
      }
      if (res.status === 404) return change;
      if (res.status === 410) {
        // A read of a deleted resource answers 410 Gone (https://hl7.org/fhir/R4/http.html#read): the
        // change was a delete, and a deleted order's reminders must stop.
        const dedupeKey = change.versionId !== undefined ? dedupeKeyFor(server, `${change.resourceType}/${change.id}`, change.versionId, 'delete', '') : change.dedupeKey;
        return { ...change, interaction: 'delete' as const, dedupeKey };
      }
      const body = res.status >= 200 && res.status < 300 ? res.body : undefined;
      if (!isObject(body) || body.resourceType !== change.resourceType || body.id !== change.id) {
        throw new HttpProblem(503, 'transient', `reading the changed resource back from the source failed (${res.status}); retry later`, undefined, { 'Retry-After': '5' });
      }
      const resource = body as FhirResource;
      const readVersion = versionOf(resource);
      if (change.versionId !== undefined || readVersion === undefined) return { ...change, resource };
      // Keyed by version like a polled or full-resource change, so the channels dedupe each other.
      const dedupeKey = dedupeKeyFor(dedupeScopeOf(source), `${change.resourceType}/${change.id}`, readVersion, change.interaction, '');
      return { ...change, resource, versionId: readVersion, dedupeKey };
    }),
  );
}
