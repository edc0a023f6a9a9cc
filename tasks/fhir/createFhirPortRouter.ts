import { FhirError } from '../../schemas/errors';
import type { FhirPort, FhirRequestOptions } from '../../schemas/fhirPort';
import type { FhirServerConfigInput } from '../../schemas/fhirServerConfig';
import { createHttpFhirPort, type HttpFhirPort, type HttpFhirPortOptions } from '../../core/fhir/createHttpFhirPort';

/**
 * One FhirPort over several configured servers: `options.server` picks one by name, the server named
 * `default` (or the first) otherwise.
 */
export function createFhirPortRouter(servers: FhirServerConfigInput[], options: HttpFhirPortOptions = {}): Required<FhirPort> {
  const ports = new Map<string, HttpFhirPort>();
  for (const s of servers) {
    const port = createHttpFhirPort(s, options);
    ports.set(port.config.name, port);
  }
  const fallback = ports.get('default') ?? ports.values().next().value;
  const pick = (o?: FhirRequestOptions): HttpFhirPort => {
    const port = o?.server === undefined ? fallback : ports.get(o.server);
    if (!port) throw new FhirError('FHIR.Invalid', `no FHIR server is configured under that name`);
    return port;
  };
  return {
    read: async (ref, o) => pick(o).read(ref, o),
    vread: async (ref, v, o) => pick(o).vread(ref, v, o),
    search: async (t, p, o) => pick(o).search(t, p, o),
    searchPages: async (t, p, o) => pick(o).searchPages(t, p, o),
    create: async (r, o) => pick(o).create(r, o),
    update: async (r, o) => pick(o).update(r, o),
    patch: async (ref, p, o) => pick(o).patch(ref, p, o),
    delete: async (ref, o) => pick(o).delete(ref, o),
    transaction: async (b, o) => pick(o).transaction(b, o),
  };
}
