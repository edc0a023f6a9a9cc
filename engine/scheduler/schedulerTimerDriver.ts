/**
 * The real-time driver of the local scheduler: the only place in engine/scheduler that touches
 * setTimeout. One timer, armed for the earliest due time in SQLite, however many schedules exist.
 */
import type { LocalScheduler } from './localScheduler';

/** Wake at least this often, so a changed wall clock or another writer of the database is noticed. */
const MAX_SLEEP_MS = 30_000;

export class SchedulerTimerDriver {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private firing: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly scheduler: LocalScheduler,
    private readonly options: { now?: () => number; onError?: (err: unknown) => void } = {},
  ) {}

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.scheduler.onChange(() => {
      if (!this.firing) this.arm();
    });
    this.arm();
  }

  /** Stops the timer and waits for a firing in progress. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.firing;
  }

  private arm(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.scheduler.nextDueAt();
    const delay = next === undefined ? MAX_SLEEP_MS : Math.max(0, Math.min(next - this.now(), MAX_SLEEP_MS));
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref?.();
  }

  private tick(): void {
    this.timer = undefined;
    this.firing = (async () => {
      try {
        let r;
        do r = await this.scheduler.fireDue();
        while (r.more && this.running);
      } catch (err) {
        this.options.onError?.(err);
      }
    })().finally(() => {
      this.firing = undefined;
      this.arm();
    });
  }
}
