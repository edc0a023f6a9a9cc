import { randomUUID } from 'node:crypto';
import type { IdGenerator } from '../../schemas/clock';

/** Production ids: UUID v4 from node:crypto. */
export const uuidIds: IdGenerator = { next: () => randomUUID() };

/**
 * Deterministic UUID-shaped ids for tests (`00000000-0000-4000-8000-000000000001`, …), so
 * histories and outputs that embed ids can be compared across runs.
 */
export function sequentialIds(prefix = '00000000'): IdGenerator {
  let n = 0;
  return {
    next: () => {
      n += 1;
      return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    },
  };
}

/** A seeded pseudo-random source in [0,1) (mulberry32) for jitter in tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
