/**
 * The real-time adapters: the only place in engine/ that reads the wall clock or arms a real timer.
 * Everything else receives a Clock and a Wakeup, so tests swap in core/clock/simulatedClock.
 */
import type { Clock } from '../../schemas/clock';

/** One pending wake-up at a time: the engine arms it for its next due timer row, never one per row. */
export interface Wakeup {
  /** Calls `fn` once at (or shortly after) epoch ms `at`; replaces any earlier arming. */
  arm(at: number, fn: () => void): void;
  disarm(): void;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Node's setTimeout caps delays at 2^31-1 ms; longer waits re-arm on wake. */
const MAX_DELAY = 2 ** 31 - 1;

function realWakeup(clock: Clock, speed: number): Wakeup {
  let handle: NodeJS.Timeout | undefined;
  const arm = (at: number, fn: () => void): void => {
    if (handle) clearTimeout(handle);
    const delay = Math.min(MAX_DELAY, Math.max(0, Math.ceil((at - clock.now()) / speed)));
    handle = setTimeout(() => {
      handle = undefined;
      // Timers run on the monotonic clock and `clock` on Date.now: a timer can fire a millisecond
      // before the clock reaches `at` (and a wait over MAX_DELAY ends early by design). Not due yet:
      // wait for the rest.
      if (clock.now() < at) arm(at, fn);
      else fn();
    }, delay);
    // A pending timer must not keep an otherwise finished process alive.
    handle.unref();
  };
  return {
    arm,
    disarm() {
      if (handle) clearTimeout(handle);
      handle = undefined;
    },
  };
}

/** Wake-ups on the system clock (at most a few ms late; the engine promises ≤ 1 s). */
export function systemWakeup(): Wakeup {
  return realWakeup(systemClock, 1);
}

/**
 * A real clock that runs `speed` times faster than wall time from `origin` (epoch ms), for demos and
 * the crash test. Monotonic across process restarts when every process is given the same origin.
 */
export function fastClock(origin: number, speed: number): { clock: Clock; wakeup: Wakeup } {
  const clock: Clock = { now: () => origin + Math.floor((Date.now() - origin) * speed) };
  return { clock, wakeup: realWakeup(clock, speed) };
}

/** Defers `fn` to a later macrotask (lets I/O and other executions interleave). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Monotonic milliseconds: how long a step has run (the engine's pacing and step budget), never a timestamp. */
export const monotonicMs = (): number => performance.now();

/** Production randomness for retry jitter and States.MathRandom. */
export const systemRandom = (): number => Math.random();

/** Runs `fn` on the next turn of the event loop, after pending I/O callbacks (group commit uses it). */
export function deferToNextTurn(fn: () => void): void {
  setImmediate(fn);
}
