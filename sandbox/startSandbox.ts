import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getStatus, normalizeOperationOutcome } from '@medplum/core';
import { FhirRouter, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { indexFhirDefinitions } from './indexFhirDefinitions';
import { MedplumNotifier, type Delivery, type NotifyTarget } from './medplumNotifier';
import { SandboxRepository } from './sandboxRepository';
import { seedSynthetic, type SeedOptions, type SeedResult } from './seedSynthetic';
import { SmartTokenEndpoint, type SmartClientRegistration } from './smartTokenEndpoint';

export interface SandboxOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  /** Synthetic data to load at start; false for an empty server. */
  seed?: SeedOptions | false;
  /** More resources (each with an id) to load at start, after the seed; like the seed they notify nobody. */
  resources?: Resource[];
  /** Require a bearer token: static tokens and/or tokens issued to SMART backend clients. */
  auth?: { bearerTokens?: string[]; smartClients?: SmartClientRegistration[]; tokenLifetimeSeconds?: number };
  /** Where to send change notifications (Medplum rest-hook format). */
  notify?: NotifyTarget;
  /** Structural validation of written resources (default on). */
  validate?: boolean;
  /** Default page size for searches without `_count`. */
  defaultCount?: number;
  /** Wall clock in ms (lastUpdated, token expiry). */
  now?: () => number;
}

export interface FaultSpec {
  status: number;
  retryAfterSeconds?: number;
  /** Process the request, then answer `status` anyway: a response lost after the write committed. */
  afterProcessing?: boolean;
}

export interface Sandbox {
  /** FHIR base URL, e.g. http://127.0.0.1:41234/fhir */
  baseUrl: string;
  /** SMART token endpoint. */
  tokenUrl: string;
  seed: SeedResult | undefined;
  repo: SandboxRepository;
  faults: {
    /** The next `count` FHIR requests answer `status` (503, 401, 429, …), without touching data unless `afterProcessing`. */
    failNext(count: number, fault: FaultSpec): void;
    /** Every issued SMART token stops working (as if it had expired). */
    expireTokens(): void;
    clear(): void;
  };
  smart: SmartTokenEndpoint;
  notifications: { deliveries: Delivery[]; drain(): Promise<void> };
  /** Method, path (no query) and status of every FHIR request: no bodies, no headers. */
  requests: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

const FHIR_PREFIX = '/fhir';
const JSON_TYPES = /^application\/(fhir\+json|json|json-patch\+json)/;

/**
 * A real FHIR R4 server for development and tests: @medplum/fhir-router over a MemoryRepository,
 * on node:http. Adds what the router leaves to its host: paging links, ETag/Location headers,
 * 410 for deleted resources, bearer/SMART auth, change notifications and fault injection.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  indexFhirDefinitions();
  const now = options.now ?? Date.now;
  const repo = new SandboxRepository(now, options.validate ?? true);
  const router = new FhirRouter();
  let seed: SeedResult | undefined;
  if (options.seed !== false) {
    seed = seedSynthetic({ at: now(), ...(options.seed ?? {}) });
    for (const r of seed.resources) await repo.updateResource(r);
  }
  for (const r of options.resources ?? []) await repo.updateResource(r);
  const notifier = options.notify ? new MedplumNotifier(options.notify) : undefined;
  if (notifier) repo.onChange = (c) => notifier.enqueue(c);

  const faults: FaultSpec[] = [];
  const requests: Sandbox['requests'] = [];
  let baseUrl = '';
  // The token URL is known once the port is; it is filled in after listen().
  const smart = new SmartTokenEndpoint('', options.auth?.smartClients ?? [], options.auth?.tokenLifetimeSeconds ?? 300, now);
  const staticTokens = new Set(options.auth?.bearerTokens ?? []);

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, outcome('exception', 'internal error')));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const raw = await readBody(req);
    if (url.pathname === '/auth/token' && req.method === 'POST') {
      const result = await smart.handle(new URLSearchParams(raw));
      return send(res, result.status, result.body, { 'cache-control': 'no-store' }, 'application/json');
    }
    if (!url.pathname.startsWith(FHIR_PREFIX)) return send(res, 404, outcome('not-found', 'not a FHIR path'));
    const path = url.pathname.slice(FHIR_PREFIX.length) || '/';
    if (path === '/.well-known/smart-configuration') return send(res, 200, smartConfiguration(smart.tokenUrl), {}, 'application/json');
    if (path === '/metadata') return send(res, 200, capabilityStatement());

    const record = (status: number) => requests.push({ method: req.method ?? 'GET', path, status });
    const fault = faults.shift();
    const answerFault = (f: FaultSpec) => {
      record(f.status);
      const headers: Record<string, string> = f.retryAfterSeconds !== undefined ? { 'retry-after': String(f.retryAfterSeconds) } : {};
      if (f.status === 401) headers['www-authenticate'] = 'Bearer error="invalid_token"';
      return send(res, f.status, outcome(f.status === 401 ? 'login' : 'transient', `injected ${f.status}`), headers);
    };
    if (fault && !fault.afterProcessing) return answerFault(fault);
    if (options.auth && !authorized(req.headers.authorization)) {
      record(401);
      return send(res, 401, outcome('login', 'missing or invalid bearer token'), { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    let body: unknown;
    if (raw.length > 0) {
      if (!JSON_TYPES.test(req.headers['content-type'] ?? 'application/fhir+json')) {
        record(415);
        return send(res, 415, outcome('not-supported', 'unsupported content type'));
      }
      try {
        body = JSON.parse(raw);
      } catch {
        record(400);
        return send(res, 400, outcome('structure', 'body is not valid JSON'));
      }
    }
    const method = (req.method ?? 'GET') as HttpMethod;
    const isSearch = method === 'GET' && /^\/[A-Z][A-Za-z]+$/.test(path);
    if (isSearch && !url.searchParams.has('_count')) url.searchParams.set('_count', String(options.defaultCount ?? 20));
    // The router applies If-Match to PUT only; a real server applies it to PATCH and DELETE too.
    const instance = /^\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(path);
    const ifMatch = /"([^"]+)"/.exec(req.headers['if-match'] ?? '')?.[1];
    if (instance && ifMatch && (method === 'PATCH' || method === 'DELETE')) {
      const current = await repo.readResource(instance[1] as string, instance[2] as string).catch(() => undefined);
      if (current && current.meta?.versionId !== ifMatch) {
        record(412);
        return send(res, 412, outcome('conflict', 'version does not match If-Match'));
      }
    }
    const fhirReq: FhirRequest = { method, url: path + url.search, pathname: '', body, params: {}, query: {}, headers: req.headers };
    let response;
    try {
      response = await router.handleRequest(fhirReq, repo);
    } catch (err) {
      response = [normalizeOperationOutcome(err)] as const;
    }
    if (fault?.afterProcessing) return answerFault(fault);
    const [oc, resource] = response;
    const status = getStatus(oc);
    record(status);
    if (!resource) return send(res, status, oc);
    const headers: Record<string, string> = {};
    const versionId = resource.meta?.versionId;
    if (versionId && resource.resourceType !== 'Bundle') {
      headers.etag = `W/"${versionId}"`;
      if (resource.meta?.lastUpdated) headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
      if (status === 201) headers.location = `${baseUrl}/${resource.resourceType}/${resource.id ?? ''}/_history/${versionId}`;
    }
    if (isSearch && resource.resourceType === 'Bundle') addPagingLinks(resource, url, path);
    return send(res, status, resource, headers);
  }

  function addPagingLinks(bundle: Bundle, url: URL, path: string): void {
    const count = Number(url.searchParams.get('_count'));
    const offset = Number(url.searchParams.get('_offset') ?? 0);
    const link = (o: number) => {
      const u = new URL(url.toString());
      u.searchParams.set('_offset', String(o));
      return `${baseUrl}${path}?${u.searchParams.toString()}`;
    };
    bundle.link = [{ relation: 'self', url: link(offset) }];
    if (bundle.total !== undefined && count > 0 && offset + count < bundle.total) bundle.link.push({ relation: 'next', url: link(offset + count) });
    if (offset > 0) bundle.link.push({ relation: 'previous', url: link(Math.max(0, offset - count)) });
  }

  function authorized(header: string | undefined): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m?.[1]) return false;
    return staticTokens.has(m[1]) || smart.isValid(m[1]);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { address, port } = server.address() as AddressInfo;
  const origin = `http://${address}:${port}`;
  baseUrl = `${origin}${FHIR_PREFIX}`;
  smart.tokenUrl = `${origin}/auth/token`;

  return {
    baseUrl,
    tokenUrl: smart.tokenUrl,
    seed,
    repo,
    smart,
    requests,
    faults: {
      failNext(count, fault) {
        for (let i = 0; i < count; i++) faults.push(fault);
      },
      expireTokens: () => smart.expireAll(),
      clear: () => void faults.splice(0),
    },
    notifications: { deliveries: notifier?.deliveries ?? [], drain: () => notifier?.drain() ?? Promise.resolve() },
    async close() {
      await notifier?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function outcome(code: string, text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: code as 'exception', details: { text } }] };
}

function send(res: ServerResponse, status: number, body: Resource | Record<string, unknown>, headers: Record<string, string> = {}, contentType = 'application/fhir+json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function smartConfiguration(tokenUrl: string): Record<string, unknown> {
  return {
    token_endpoint: tokenUrl,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    scopes_supported: ['system/*.rs', 'system/*.cruds'],
    capabilities: ['client-confidential-asymmetric'],
  };
}

function capabilityStatement(): Resource {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'clinflow sandbox (@medplum/fhir-router MemoryRepository)' },
    rest: [{ mode: 'server', interaction: [{ code: 'transaction' }, { code: 'batch' }] }],
  };
}
