import { createFhirReader, type FhirReader } from '../../core/fhir/createFhirReader';
import type { SourceConfig } from '../../schemas/triggerConfig';
import { serverOf } from './serverOf';

export interface SourceReaderDeps {
  fetch?: typeof fetch;
  now?: () => number;
}

/** The FHIR reader for reading back from a source: its base URL, outbound credentials and timeout. */
export function sourceReader(source: SourceConfig, deps: SourceReaderDeps = {}): FhirReader {
  const auth = source.outboundAuth ?? (source.outboundBearerToken !== undefined ? { type: 'bearer' as const, token: source.outboundBearerToken } : { type: 'none' as const });
  return createFhirReader({ baseUrl: serverOf(source), auth, timeoutMs: source.outboundTimeoutMs }, { ...(deps.fetch ? { fetch: deps.fetch } : {}), ...(deps.now ? { now: deps.now } : {}) });
}

/** One reader per source, built on first use, so a SMART token is cached across polls and reads. */
export class SourceReaders {
  private readonly readers = new Map<SourceConfig, FhirReader>();

  constructor(private readonly deps: SourceReaderDeps = {}) {}

  for(source: SourceConfig): FhirReader {
    let r = this.readers.get(source);
    if (!r) this.readers.set(source, (r = sourceReader(source, this.deps)));
    return r;
  }
}
