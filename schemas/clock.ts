/**
 * Time and identity are injected. Nothing in compiler/ or engine/ reads the wall clock or
 * randomness directly; production passes the system adapters (core/clock), tests a simulated clock.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface IdGenerator {
  /** A fresh unique id (UUID v4 in production, deterministic in tests). */
  next(): string;
}
