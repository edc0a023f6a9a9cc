/**
 * The bus's real-timer loop, the one place bus delivery touches setTimeout: it sleeps until the
 * bus's next due delivery (or `pollMs`, since PutEvents adds work), runs `deliverDue()`, repeats.
 */
import type { DeliveryReport, LocalEventBus } from './localEventBus';
import type { Clock } from '../../schemas/clock';

export interface DeliveryLoop {
  /** Run a delivery pass now (e.g. right after PutEvents) instead of waiting for the timer. */
  kick(): void;
  stop(): Promise<void>;
}

export function startDelivery(bus: LocalEventBus, clock: Clock, options: { pollMs?: number; onReport?: (r: DeliveryReport) => void; onError?: (err: unknown) => void } = {}): DeliveryLoop {
  const pollMs = options.pollMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const schedule = (): void => {
    if (stopped) return;
    const next = bus.nextDueAt();
    const delay = next === undefined ? pollMs : Math.max(0, Math.min(pollMs, next - clock.now()));
    timer = setTimeout(pass, delay);
  };
  const pass = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    running = running
      .then(() => bus.deliverDue())
      .then((r) => options.onReport?.(r))
      .catch((err: unknown) => options.onError?.(err))
      .finally(schedule);
  };
  schedule();
  return {
    kick: pass,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
