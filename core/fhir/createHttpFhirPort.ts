import type { FhirPort, FhirRequestOptions, FhirResource, FhirSearchResult, JsonPatchOperation } from '../../schemas/fhirPort';
import { FhirError } from '../../schemas/errors';
import { FhirServerConfig, type FhirServerConfigInput } from '../../schemas/fhirServerConfig';
import type { AuthProvider } from './auth/authProvider';
import { createAuthProvider } from './auth/createAuthProvider';
import { hasIdempotencyTag, idempotencyCondition, withIdempotencyTag } from './idempotency';
import { toFhirError } from './toFhirError';
import { Client } from './fhirKitClient';

export interface HttpFhirPortOptions {
  /** Wall clock in ms (token expiry, Retry-After dates); Date.now by default. */
  now?: () => number;
}

export type HttpFhirPort = Required<FhirPort> & { readonly config: FhirServerConfig };

type Headers = Record<string, string>;

function splitReference(reference: string): { type: string; id: string } {
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  if (!m?.[1] || !m[2]) throw new FhirError('FHIR.Invalid', 'reference must look like "Type/id"');
  return { type: m[1], id: m[2] };
}

/**
 * Refuses a URL (absolute, or relative to `baseUrl`) outside `baseUrl`'s origin. A refused link is an
 * error rather than the end of the results: a task acting on a silently truncated search could, for
 * instance, miss an order it should cancel.
 */
export function requireSameOrigin(url: string | undefined, baseUrl: string): void {
  const base = new URL(baseUrl);
  const target = url === undefined || !URL.canParse(url, base.href) ? undefined : new URL(url, base);
  if (target?.origin !== base.origin) throw new FhirError('FHIR.Invalid', 'the server sent a paging link to another origin; it was not followed (credentials stay with the configured server)');
}

/** `3` → `W/"3"`; an ETag given in full is passed through. */
export function weakEtag(version: string): string {
  return /^(W\/)?"/.test(version) ? version : `W/"${version}"`;
}

/**
 * FhirPort over HTTP with fhir-kit-client (the re-bundled copy whose debug logging is removed).
 * Every failure becomes a FhirError with a FHIR.* name; a 401 with a refreshable credential (SMART)
 * fetches a fresh token and retries exactly once.
 */
export function createHttpFhirPort(input: FhirServerConfigInput, options: HttpFhirPortOptions = {}): HttpFhirPort {
  const config = FhirServerConfig.parse(input);
  const now = options.now ?? Date.now;
  const auth: AuthProvider = createAuthProvider(config, options.now);
  const client = new Client({ baseUrl: config.baseUrl.replace(/\/$/, '') });

  async function call<T>(what: string, fn: (opts: { headers: Headers; signal: AbortSignal }) => Promise<T>, extra: Headers = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const authorization = await auth.authorization();
      const headers: Headers = { ...extra, ...(authorization ? { authorization } : {}) };
      try {
        return await fn({ headers, signal: AbortSignal.timeout(config.timeoutMs) });
      } catch (err) {
        const mapped = toFhirError(err, what, now());
        if (mapped.status === 401 && attempt === 0 && auth.invalidate()) continue;
        throw mapped;
      }
    }
  }

  const asResource = (r: unknown) => r as FhirResource;

  async function searchPages(resourceType: string, params: Record<string, string | string[]>, opts: { maxPages?: number } = {}): Promise<FhirSearchResult> {
    const maxPages = opts.maxPages ?? 10;
    let page = asResource(await call(`search ${resourceType}`, (o) => client.search({ resourceType, searchParams: params, options: o })));
    const resources: FhirResource[] = [];
    const total = typeof page.total === 'number' ? page.total : undefined;
    let pages = 1;
    for (;;) {
      const entries = (page.entry as { resource?: FhirResource; search?: { mode?: string } }[] | undefined) ?? [];
      for (const e of entries) if (e.resource && e.search?.mode !== 'include' && e.search?.mode !== 'outcome') resources.push(e.resource);
      const links = (page.link as { relation: string; url: string }[] | undefined) ?? [];
      const hasNext = links.some((l) => l.relation === 'next');
      if (!hasNext || pages >= maxPages) return { resources, pages, truncated: hasNext, ...(total !== undefined ? { total } : {}) };
      const current = page as FhirResource & { link: { relation: string; url: string }[] };
      // The next link comes from the server's response: follow it (with our credentials) only on the
      // configured server's origin, or a hostile or misconfigured server could collect the token.
      requireSameOrigin(links.find((l) => l.relation === 'next')?.url, config.baseUrl);
      page = asResource(await call(`search ${resourceType} page ${pages + 1}`, async (o) => (await client.nextPage({ bundle: current, options: o }))!));
      pages++;
    }
  }

  const port: HttpFhirPort = {
    config,
    async read(reference) {
      const { type, id } = splitReference(reference);
      return asResource(await call(`read ${type}`, (o) => client.read({ resourceType: type, id, options: o })));
    },
    async vread(reference, versionId) {
      const { type, id } = splitReference(reference);
      return asResource(await call(`vread ${type}`, (o) => client.vread({ resourceType: type, id, version: versionId, options: o })));
    },
    async search(resourceType, params, opts) {
      return (await searchPages(resourceType, params, opts ?? {})).resources;
    },
    searchPages: (resourceType, params, opts) => searchPages(resourceType, params, opts ?? {}),
    async create(resource, opts: FhirRequestOptions & { ifNoneExist?: string } = {}) {
      let body = resource;
      let condition = opts.ifNoneExist;
      if (opts.idempotencyKey !== undefined) {
        body = withIdempotencyTag(resource, config.idempotencySystem, opts.idempotencyKey);
        condition ??= idempotencyCondition(config.idempotencySystem, opts.idempotencyKey);
      }
      const extra: Headers = condition ? { 'if-none-exist': condition } : {};
      return asResource(await call(`create ${resource.resourceType}`, (o) => client.create({ resourceType: resource.resourceType, body, options: o }), extra));
    },
    async update(resource, opts: FhirRequestOptions & { ifMatch?: string } = {}) {
      const { type, id } = splitReference(`${resource.resourceType}/${resource.id ?? ''}`);
      const key = opts.idempotencyKey;
      const body = key !== undefined ? withIdempotencyTag(resource, config.idempotencySystem, key) : resource;
      const extra: Headers = opts.ifMatch ? { 'if-match': weakEtag(opts.ifMatch) } : {};
      try {
        return asResource(await call(`update ${type}`, (o) => client.update({ resourceType: type, id, body, options: o }), extra));
      } catch (err) {
        // A retried update whose first attempt landed fails If-Match; the key tag proves it was ours.
        if (key !== undefined && err instanceof FhirError && err.error === 'FHIR.Conflict') {
          const current = await port.read(`${type}/${id}`);
          if (hasIdempotencyTag(current, config.idempotencySystem, key)) return current;
        }
        throw err;
      }
    },
    async patch(reference, patch: JsonPatchOperation[], opts: FhirRequestOptions & { ifMatch?: string } = {}) {
      const { type, id } = splitReference(reference);
      const extra: Headers = opts.ifMatch ? { 'if-match': weakEtag(opts.ifMatch) } : {};
      return asResource(await call(`patch ${type}`, (o) => client.patch({ resourceType: type, id, jsonPatch: patch as never, options: o }), extra));
    },
    async delete(reference, opts: FhirRequestOptions = {}) {
      const { type, id } = splitReference(reference);
      try {
        await call(`delete ${type}`, (o) => client.delete({ resourceType: type, id, options: o }));
      } catch (err) {
        // A retried delete finds the resource already gone: the effect happened once.
        if (opts.idempotencyKey !== undefined && err instanceof FhirError && err.error === 'FHIR.Gone') return;
        throw err;
      }
    },
    async transaction(input, opts: FhirRequestOptions = {}) {
      const bundle = opts.idempotencyKey !== undefined ? withEntryConditions(input, config.idempotencySystem, opts.idempotencyKey) : input;
      const what = `${String(bundle.type)} bundle`;
      return asResource(await call(what, (o) => (bundle.type === 'batch' ? client.batch({ body: bundle, options: o }) : client.transaction({ body: bundle, options: o }))));
    },
  };
  return port;
}

interface BundleEntry {
  resource?: FhirResource;
  request?: { method?: string; url?: string; ifNoneExist?: string };
}

/** Makes each unconditional POST entry conditional on a per-entry key, so a retried bundle creates once. */
function withEntryConditions(bundle: FhirResource, system: string, key: string): FhirResource {
  const entries = (bundle.entry as BundleEntry[] | undefined) ?? [];
  return {
    ...bundle,
    entry: entries.map((e, i) => {
      if (e.request?.method !== 'POST' || e.request.ifNoneExist || !e.resource) return e;
      const entryKey = `${key}#${i}`;
      return { ...e, resource: withIdempotencyTag(e.resource, system, entryKey), request: { ...e.request, ifNoneExist: idempotencyCondition(system, entryKey) } };
    }),
  };
}
