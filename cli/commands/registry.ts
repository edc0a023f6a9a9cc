import type { Command } from 'commander';
import { registerConformance } from './conformance';

/** Each command module adds itself here; `setExit` raises the process exit code (max wins). */
export type SetExit = (code: number) => void;

export function registerCommands(program: Command, setExit: SetExit): void {
  registerConformance(program, setExit);
}
