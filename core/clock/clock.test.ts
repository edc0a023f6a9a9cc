import { seededRandom, sequentialIds, uuidIds } from './ids';
import { SimulatedClock } from './simulatedClock';
import { fastClock } from './systemClock';

describe('clocks and ids', () => {
  it('moves the simulated clock only forward', () => {
    const c = new SimulatedClock(1000);
    expect(c.advance(500)).toBe(1500);
    expect(c.set(1200)).toBe(1500);
    expect(c.set(9000)).toBe(9000);
    expect(() => c.advance(-1)).toThrow(RangeError);
  });

  it('generates deterministic sequential ids and real UUIDs', () => {
    const a = sequentialIds();
    const b = sequentialIds();
    expect([a.next(), a.next()]).toEqual([b.next(), b.next()]);
    expect(a.next()).toMatch(/^[0-9a-f-]{36}$/);
    expect(uuidIds.next()).not.toBe(uuidIds.next());
    const r1 = seededRandom(7);
    const r2 = seededRandom(7);
    const xs = [r1(), r1(), r1()];
    expect(xs).toEqual([r2(), r2(), r2()]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('runs a fast clock at its speed and wakes when scaled time is due', async () => {
    const origin = Date.now();
    const { clock, wakeup } = fastClock(origin, 100);
    const target = clock.now() + 5000; // 5 s of fast time = 50 ms of wall time
    const woke = await new Promise<number>((resolve) => wakeup.arm(target, () => resolve(clock.now())));
    expect(woke).toBeGreaterThanOrEqual(target);
    // At most 1 s of wall time late (100 000 ms of fast time), the engine's promise for timers.
    expect(woke - target).toBeLessThan(100_000);
  });
});
