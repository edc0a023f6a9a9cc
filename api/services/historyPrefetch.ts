import { EncodedJson, toAwsJsonParts } from '../protocol/wire';

/** A GetExecutionHistory request's fields, as the caller sent them. */
type HistoryInput = Record<string, unknown>;
type HistoryPage = { events: unknown[]; nextToken?: string };

export interface HistoryPrefetchOptions {
  /** The engine's GetExecutionHistory. */
  page: (input: HistoryInput) => HistoryPage;
  /** Whether the execution is still there (a prepared page of a deleted one is dropped). */
  exists: (executionArn: string) => boolean;
  now: () => number;
  /** How long a prepared page waits for its request. */
  ttlMs?: number;
  /** Prepared pages kept at once (one per client paging through a history). */
  maxPages?: number;
  /** A page larger than this is not kept. */
  maxBytes?: number;
  /** All kept pages together hold at most this many bytes. */
  maxTotalBytes?: number;
  /** Runs work after the current response is written (default: setImmediate). */
  defer?: (work: () => void) => void;
}

interface Prepared {
  body: EncodedJson;
  nextToken: string | undefined;
  atMs: number;
}

/**
 * Prepares the next page of a history being read page by page, while the client is busy with the
 * current one. A client reads a history sequentially (each request needs the previous page's
 * nextToken), and decoding a page of 1000 events is most of its time: the server answering from
 * a page it encoded meanwhile takes its own work (~40% of a whole-history read) off that path.
 *
 * Only a page followed by a nextToken is kept: it is full, and its events are already journaled, so
 * it can never differ from what the request would compute (history is append-only; the tail page of
 * a running or redrivable execution is always computed fresh). A kept page is served once, to the
 * same request (execution, token, page size, order, data flag), after the caller's own signature,
 * key and audit checks, and after `exists` confirms the execution is still there. Bounded in count,
 * bytes (each page and all together) and age; a failure while preparing only means the request
 * computes the page itself.
 */
export class HistoryPrefetch {
  private readonly prepared = new Map<string, Prepared>();
  private readonly ttlMs: number;
  private readonly maxPages: number;
  private readonly maxBytes: number;
  private readonly maxTotalBytes: number;
  private totalBytes = 0;
  private readonly defer: (work: () => void) => void;

  constructor(private readonly options: HistoryPrefetchOptions) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.maxPages = options.maxPages ?? 8;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.maxTotalBytes = options.maxTotalBytes ?? 32 * 1024 * 1024;
    this.defer = options.defer ?? ((work) => void setImmediate(work));
  }

  /** The page for `input`: prepared, or computed now; either way the one after it is prepared next. */
  read(input: HistoryInput): HistoryPage | EncodedJson {
    const key = keyOf(input);
    const ready = key === undefined ? undefined : this.prepared.get(key);
    if (key !== undefined && ready) {
      this.remove(key, ready);
      if (this.options.now() - ready.atMs <= this.ttlMs && this.options.exists(input.executionArn as string)) {
        this.prepareAfter(input, ready.nextToken);
        return ready.body;
      }
    }
    const page = this.options.page(input);
    this.prepareAfter(input, page.nextToken);
    return page;
  }

  /** Pages prepared and not yet served. */
  get size(): number {
    return this.prepared.size;
  }

  /** Their bytes. */
  get bytes(): number {
    return this.totalBytes;
  }

  private prepareAfter(input: HistoryInput, nextToken: string | undefined): void {
    if (nextToken === undefined) return;
    const next = { ...input, nextToken };
    const key = keyOf(next);
    if (key === undefined) return;
    this.defer(() => {
      try {
        const page = this.options.page(next);
        if (page.nextToken === undefined) return;
        const body = new EncodedJson(toAwsJsonParts(page));
        if (body.length > this.maxBytes) return;
        const old = this.prepared.get(key);
        if (old) this.remove(key, old);
        this.evict(body.length);
        this.prepared.set(key, { body, nextToken: page.nextToken, atMs: this.options.now() });
        this.totalBytes += body.length;
      } catch {
        // The execution went away or the server is closing: the request, if it comes, computes it.
      }
    });
  }

  /** Makes room for a page of `bytes`: drops expired pages, then the oldest, within both bounds. */
  private evict(bytes: number): void {
    const now = this.options.now();
    for (const [k, p] of this.prepared) if (now - p.atMs > this.ttlMs) this.remove(k, p);
    for (const [k, p] of this.prepared) {
      if (this.prepared.size < this.maxPages && this.totalBytes + bytes <= this.maxTotalBytes) break;
      this.remove(k, p);
    }
  }

  private remove(key: string, page: Prepared): void {
    this.prepared.delete(key);
    this.totalBytes -= page.body.length;
  }
}

/** The request's identity: undefined when its fields are not the plain types a page key needs. */
function keyOf(input: HistoryInput): string | undefined {
  const { executionArn, nextToken, maxResults, reverseOrder, includeExecutionData } = input;
  if (typeof executionArn !== 'string' || (nextToken !== undefined && typeof nextToken !== 'string')) return undefined;
  if (maxResults !== undefined && typeof maxResults !== 'number') return undefined;
  return JSON.stringify([executionArn, nextToken ?? null, maxResults ?? null, reverseOrder === true, includeExecutionData !== false]);
}
