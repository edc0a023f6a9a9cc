import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FhirResource } from '../../schemas/fhirPort';

export interface FixtureFhirServer {
  baseUrl: string;
  /** Search requests received: path + query, and the Authorization header. */
  requests: { url: URL; authorization: string | undefined }[];
  resources: FhirResource[];
  close(): Promise<void>;
}

/**
 * A tiny FHIR server on loopback for reads (`GET {base}/{Type}/{id}`), query-back and polling: `GET {base}/{Type}?…`
 * filtered by `_lastUpdated=ge|gt…`, sorted by lastUpdated, paged by `_count` with `Bundle.link[next]`.
 */
export async function startFixtureFhirServer(
  resources: FhirResource[],
  options: { pageSize?: number; /** `Type/id`s that were deleted: a read answers 410 Gone. */ gone?: readonly string[] } = {},
): Promise<FixtureFhirServer> {
  const requests: FixtureFhirServer['requests'] = [];
  let baseUrl = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ url, authorization: req.headers.authorization });
    const read = /^\/fhir\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]+)$/.exec(url.pathname);
    if (req.method === 'GET' && read) {
      const found = resources.find((r) => r.resourceType === read[1] && r.id === read[2]);
      const gone = !found && (options.gone ?? []).includes(`${read[1]}/${read[2]}`);
      res.writeHead(found ? 200 : gone ? 410 : 404, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify(found ?? { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: gone ? 'deleted' : 'not-found' }] }));
      return;
    }
    const type = /^\/fhir\/([A-Z][A-Za-z]+)$/.exec(url.pathname)?.[1];
    if (req.method !== 'GET' || type === undefined) {
      res.writeHead(404, { 'Content-Type': 'application/fhir+json' }).end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }));
      return;
    }
    const filter = url.searchParams.get('_lastUpdated');
    const m = filter === null ? null : /^(ge|gt)(.+)$/.exec(filter);
    const since = m?.[2] !== undefined ? Date.parse(m[2]) : undefined;
    const status = url.searchParams.get('status');
    const matches = resources
      .filter((r) => r.resourceType === type)
      .filter((r) => status === null || r.status === status)
      .filter((r) => {
        if (since === undefined) return true;
        const t = Date.parse(String(r.meta?.lastUpdated));
        return m?.[1] === 'ge' ? t >= since : t > since;
      })
      .sort((a, b) => Date.parse(String(a.meta?.lastUpdated)) - Date.parse(String(b.meta?.lastUpdated)));
    const pageSize = options.pageSize ?? 50;
    const offset = Number(url.searchParams.get('_offset') ?? '0');
    const page = matches.slice(offset, offset + pageSize);
    const link = [{ relation: 'self', url: url.toString() }];
    if (offset + pageSize < matches.length) {
      const next = new URL(`${baseUrl}/${type}`);
      url.searchParams.forEach((v, k) => next.searchParams.set(k, v));
      next.searchParams.set('_offset', String(offset + pageSize));
      link.push({ relation: 'next', url: next.toString() });
    }
    const body = JSON.stringify({
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link,
      entry: page.map((resource) => ({ fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
    });
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    baseUrl,
    requests,
    resources,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
