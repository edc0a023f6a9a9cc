import type { Command } from 'commander';
import { registerCompile } from './compile';
import { registerConformance } from './conformance';
import { registerConsole } from './console';
import { registerDemo } from './demo';
import { registerDeploy } from './deploy';
import { registerDev } from './dev';
import { registerGraph } from './graph';
import { registerOps } from './ops/registerOps';
import { registerRun } from './run';
import { registerSchema } from './schema';
import { registerServe } from './serve';
import { registerValidate } from './validate';

/** Each command module adds itself here; `setExit` raises the process exit code (max wins). */
export type SetExit = (code: number) => void;

export function registerCommands(program: Command, setExit: SetExit): void {
  registerConformance(program, setExit);
  registerValidate(program, setExit);
  registerCompile(program, setExit);
  registerGraph(program, setExit);
  registerSchema(program, setExit);
  registerDeploy(program, setExit);
  registerDev(program, setExit);
  registerDemo(program, setExit);
  registerRun(program, setExit);
  registerServe(program, setExit);
  registerOps(program, setExit);
  registerConsole(program, setExit);
}
