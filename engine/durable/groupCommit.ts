import type { Db } from '../../core/db/openDatabase';

/**
 * Group commit: writes queued in the same turn of the event loop share one SQLite transaction (one
 * fsync), each in its own savepoint so one failing write rolls back alone. A caller's promise
 * settles only after the transaction that holds its write has committed.
 */
export class GroupCommit {
  private queue: Array<{ write: () => void; resolve: () => void; reject: (err: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly defer: (fn: () => void) => void,
  ) {}

  get idle(): boolean {
    return !this.scheduled;
  }

  commit(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.defer(() => this.flush());
      }
    });
  }

  /** Writes everything queued now (also used by close()). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length) return;
    const errors: unknown[] = new Array<unknown>(batch.length);
    try {
      this.db.transaction(() => {
        if (batch.length === 1) {
          batch[0]?.write();
          return;
        }
        batch.forEach((item, i) => {
          try {
            this.db.transaction(item.write)();
          } catch (err) {
            errors[i] = err ?? new Error('write failed');
          }
        });
      })();
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    batch.forEach((item, i) => (errors[i] === undefined ? item.resolve() : item.reject(errors[i])));
  }
}
