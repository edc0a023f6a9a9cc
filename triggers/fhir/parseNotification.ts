import type { SourceConfig } from '../../schemas/triggerConfig';
import { HttpProblem } from '../http/httpProblem';
import { parseMedplum } from './parseMedplum';
import { parseRestHookDelete, parseRestHookResource } from './parseRestHook';
import { isSubscriptionBundle, parseSubscriptionBundle } from './parseSubscriptionBundle';
import type { NotificationContext, ParsedNotification } from './resourceChange';

export interface NotificationRequest {
  method: string;
  /** Path segments after `/fhir/notify/{source}`: [] or [type, id]. */
  subpath: readonly string[];
  /** Parsed JSON body; undefined for an empty body. */
  body: unknown;
  medplumInteraction?: string;
  /** `X-Medplum-Deleted-Resource`. */
  medplumDeletedResource?: string;
  /** `User-Agent`: HAPI FHIR's client announces itself as `HAPI-FHIR/<version> (FHIR Client; …)`. */
  userAgent?: string;
}

/** Routes a request to the parser for its shape. Pure: no I/O; throws HttpProblem for bad input. */
export function parseNotification(source: Pick<SourceConfig, 'kind'>, req: NotificationRequest, ctx: NotificationContext): ParsedNotification {
  const hapi = source.kind === 'hapi' || /^HAPI-FHIR\//.test(req.userAgent ?? '');
  const restHookOrigin = hapi ? 'hapi-rest-hook' : 'r4-rest-hook';
  const [type, id, ...rest] = req.subpath;
  if (rest.length > 0 || (type !== undefined && id === undefined)) throw new HttpProblem(404, 'not-found', 'notification paths are {endpoint} or {endpoint}/{type}/{id}');
  const path = type !== undefined && id !== undefined ? { resourceType: type, id } : undefined;

  if (source.kind === 'medplum') {
    if (req.method !== 'POST' || path) throw new HttpProblem(405, 'not-supported', 'Medplum notifications are a POST to the endpoint', undefined, { Allow: 'POST' });
    const headers = {
      ...(req.medplumInteraction !== undefined ? { interaction: req.medplumInteraction } : {}),
      ...(req.medplumDeletedResource !== undefined ? { deletedResource: req.medplumDeletedResource } : {}),
    };
    return parseMedplum(req.body, headers, ctx);
  }
  if (path) {
    if (req.method === 'DELETE') return parseRestHookDelete(path, ctx);
    if (req.method !== 'PUT') throw new HttpProblem(405, 'not-supported', `${req.method} is not allowed on {endpoint}/{type}/{id}`, undefined, { Allow: 'PUT, DELETE' });
    if (req.body === undefined) throw new HttpProblem(400, 'required', 'a PUT notification carries the resource; the body is empty');
    return parseRestHookResource(req.body, restHookOrigin, ctx, path);
  }
  if (req.method !== 'POST') throw new HttpProblem(405, 'not-supported', `${req.method} is not allowed on the endpoint`, undefined, { Allow: 'POST' });
  if (req.body === undefined) return { kind: 'query-back', origin: restHookOrigin };
  if (isSubscriptionBundle(req.body)) return parseSubscriptionBundle(req.body, ctx);
  return parseRestHookResource(req.body, restHookOrigin, ctx);
}
