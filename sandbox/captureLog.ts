import { createLogger, type ClinflowLogger } from '../core/log/createLogger';

/** A real (redacting) logger whose JSON lines are kept in memory, for the no-PHI-in-logs assertions. */
export function captureLog(): { log: ClinflowLogger; lines: string[]; text(): string } {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } });
  return { log, lines, text: () => lines.join('') };
}
