import { HttpProblem } from './httpProblem';

/**
 * Bounds how many bodies are read at once per key (a notification source) before the sender is
 * authenticated. An HMAC source cannot be authenticated before its body has arrived, so without a
 * bound anyone could hold many slow uploads open and pin memory; past the bound a request is
 * refused with 429 before a byte of its body is read.
 */
export class ReadLimiter {
  private readonly active = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Takes a slot for `key` (or throws 429); call the returned function once the read is over. */
  acquire(key: string): () => void {
    const n = this.active.get(key) ?? 0;
    if (n >= this.limit) throw new HttpProblem(429, 'throttled', 'too many unauthenticated requests in progress for this source; retry later', undefined, { 'Retry-After': '1' });
    this.active.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.active.get(key) ?? 1) - 1;
      if (left <= 0) this.active.delete(key);
      else this.active.set(key, left);
    };
  }
}
