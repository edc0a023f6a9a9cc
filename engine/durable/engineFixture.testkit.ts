import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { LocalTaskPort } from '../../tasks/localTaskPort';
import { Engine, type EngineOptions } from './engine';

/** An engine on a simulated clock with a local task port, for tests. */
export function testEngine(options: Partial<EngineOptions> = {}): { engine: Engine; clock: SimulatedClock; tasks: LocalTaskPort } {
  const clock = options.clock instanceof SimulatedClock ? options.clock : new SimulatedClock(Date.UTC(2025, 0, 1));
  const tasks = options.tasks instanceof LocalTaskPort ? options.tasks : new LocalTaskPort({ clock });
  const engine = new Engine({ database: ':memory:', ids: sequentialIds(), random: () => 0.5, ...options, clock, tasks });
  return { engine, clock, tasks };
}

export const LAMBDA = (name: string): string => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

export function machine(states: Record<string, unknown>, startAt = Object.keys(states)[0] ?? ''): string {
  return JSON.stringify({ StartAt: startAt, States: states });
}

/** Resolves with the error a promise or function raised (fails the test when none was raised). */
export async function errorOf(fn: () => unknown): Promise<{ error: string; message: string }> {
  try {
    await fn();
  } catch (err) {
    const e = err as { error?: string; message?: string };
    return { error: e.error ?? 'unknown', message: e.message ?? '' };
  }
  throw new Error('expected an error');
}
