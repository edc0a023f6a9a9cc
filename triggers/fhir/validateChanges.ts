import { createHash } from 'node:crypto';
import { isFhirR4ResourceType } from '../../schemas/fhirResourceTypes';
import { HttpProblem } from '../http/httpProblem';
import { type ResourceChange, dedupeKeyFor } from './resourceChange';

/**
 * Refuses (400) a notification whose changes name a type that is not an FHIR R4 resource
 * (`EvilThing`): no workflow could have meant it, and publishing it would put an unchecked name on
 * the bus. Runs after the sender-specific parsers, so every shape is covered once.
 */
export function requireFhirChanges(changes: readonly ResourceChange[]): void {
  for (const c of changes) {
    if (!isFhirR4ResourceType(c.resourceType)) throw new HttpProblem(400, 'value', `${c.resourceType.slice(0, 64)} is not a FHIR R4 resource type`);
  }
}

/**
 * Re-keys the changes for dedupe. The parsers key on the base URL and, when the sender gave no
 * version, on the receipt time, which makes every replay of the same signed body new. Here the
 * scope becomes the source's stable id, and a change without a version is keyed on a digest of the
 * body (plus its position in it): a replay of the same bytes is a duplicate, a different body is
 * not. An empty body (HAPI's DELETE) keeps the receipt time: a repeated delete is harmless, a lost
 * one is not. Keys from a subscription's event numbers are the server's own and stay.
 */
export function stableDedupeKeys(changes: readonly ResourceChange[], ctx: { server: string; scope: string; body: Buffer }): ResourceChange[] {
  const digest = ctx.body.length > 0 ? createHash('sha256').update(ctx.body).digest('base64url') : undefined;
  return changes.map((c, i) => {
    if (!c.dedupeKey.startsWith(`${ctx.server}|`)) return c;
    const reference = `${c.resourceType}/${c.id}`;
    if (c.versionId === undefined && digest === undefined) return { ...c, dedupeKey: `${ctx.scope}|${c.dedupeKey.slice(ctx.server.length + 1)}` };
    return { ...c, dedupeKey: dedupeKeyFor(ctx.scope, reference, c.versionId, c.interaction, `#${digest ?? ''}:${i}`) };
  });
}
