/**
 * `clinflow validate`'s core (compiler/compile.ts) on generated workflows of 1 000, 4 000 and
 * 10 000 steps (compiler/largeWorkflow.testkit.ts: calls, human tasks, branches, jumps, catches,
 * forEach, waits): wall and CPU time of each, and the 10 000 / 1 000 ratio, which a compiler
 * linear in the file's size keeps near 10 (a quadratic one near 100). The peer is the compiler
 * itself at a tenth of the size. Targets: 10 000 steps in < 5 s, ratio < 20.
 *
 * Then start-up: `node dist/clinflow.js --help` and `validate` of one shipped workflow, from the
 * build, against `node -e 0` measured interleaved in the same run (median of --starts=N, default 15).
 * Target: both < 3× `node -e 0`.
 *
 * Options: --runs=N (best of N per size, default 2), --mistakes (each block has a misspelt
 * variable and jump, so the "did you mean" paths run too).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/paths/packageRoot';
import { compile } from '../compiler/compile';
import { largeWorkflow } from '../compiler/largeWorkflow.testkit';

const arg = (args: string[], name: string, dflt: number): number => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
};

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function measure(source: string, runs: number): Timing & { diagnostics: number } {
  let best: Timing = { wallMs: Infinity, cpuMs: Infinity };
  let diagnostics = 0;
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    diagnostics = compile(source, 'generated.yaml').diagnostics.length;
    const wallMs = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (wallMs < best.wallMs) best = { wallMs, cpuMs };
  }
  return { ...best, diagnostics };
}

export async function run(args: string[]): Promise<void> {
  const runs = Math.max(1, arg(args, 'runs', 2));
  const mistakes = args.includes('--mistakes');
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  process.stdout.write(`load average ${load} on this machine: times under load are upper bounds; the ratio is the measure\n`);
  compile(largeWorkflow(200, { mistakes }), 'warm-up.yaml');
  const results = new Map<number, Timing>();
  for (const steps of [1_000, 4_000, 10_000]) {
    const source = largeWorkflow(steps, { mistakes });
    const r = measure(source, runs);
    results.set(steps, r);
    process.stdout.write(
      `validate ${String(steps).padStart(6)} steps (${(Buffer.byteLength(source) / 1024).toFixed(0)} KB): ${r.wallMs.toFixed(0).padStart(6)} ms wall, ${r.cpuMs.toFixed(0).padStart(6)} ms CPU, ${((r.wallMs / steps) * 1000).toFixed(0)} µs a step, ${r.diagnostics} diagnostics\n`,
    );
    await new Promise((resolve) => setImmediate(resolve));
  }
  const small = results.get(1_000)!;
  const large = results.get(10_000)!;
  const wallRatio = large.wallMs / small.wallMs;
  const cpuRatio = large.cpuMs / small.cpuMs;
  process.stdout.write(`ratio 10 000 / 1 000 steps: ${wallRatio.toFixed(1)}× wall, ${cpuRatio.toFixed(1)}× CPU (linear: 10, quadratic: 100)\n`);
  process.stdout.write(`target 10 000 steps < 5 s: ${large.wallMs < 5000 ? 'met' : 'NOT met'} (${(large.wallMs / 1000).toFixed(1)} s wall, ${(large.cpuMs / 1000).toFixed(1)} s CPU)\n`);
  process.stdout.write(`target ratio < 20: ${Math.min(wallRatio, cpuRatio) < 20 ? 'met' : 'NOT met'}\n`);
  startUp(Math.max(3, arg(args, 'starts', 15)));
}

/** Median wall time of each command, the commands interleaved so load drifts hit all alike. */
function startUp(starts: number): void {
  const root = packageRoot();
  const bin = join(root, 'dist', 'clinflow.js');
  const commands: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    'clinflow --help': [bin, '--help'],
    'clinflow validate (1 file)': [bin, 'validate', join(root, 'workflows', 'medication-reminders.yaml')],
  };
  const times = new Map<string, number[]>(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < starts; i++) {
    for (const [name, argv] of Object.entries(commands)) {
      const t = performance.now();
      const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr} (run npm run build first)`);
      times.get(name)!.push(performance.now() - t);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(times.get('node -e 0')!);
  process.stdout.write(`start-up from the build, median of ${starts}: node -e 0 ${base.toFixed(0)} ms\n`);
  for (const name of Object.keys(commands).slice(1)) {
    const ms = median(times.get(name)!);
    process.stdout.write(`  ${name.padEnd(28)} ${ms.toFixed(0).padStart(5)} ms = ${(ms / base).toFixed(2)}× node -e 0; target < 3×: ${ms / base < 3 ? 'met' : 'NOT met'}\n`);
  }
}
