import type { Clock } from '../../schemas/clock';

/**
 * A clock that moves only when told to. The engine's `advanceTo` / `runUntilIdle` move it from
 * timer to timer, so a 30-day Wait takes no real time.
 */
export class SimulatedClock implements Clock {
  private ms: number;

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.ms = start;
  }

  now(): number {
    return this.ms;
  }

  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError('SimulatedClock.advance: ms must be >= 0');
    this.ms += ms;
    return this.ms;
  }

  /** Moves to `ms`; never backwards, so timers already fired stay fired. */
  set(ms: number): number {
    if (ms > this.ms) this.ms = ms;
    return this.ms;
  }
}
