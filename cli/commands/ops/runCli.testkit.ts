import { main } from '../../main';

/** Runs `clinflow …args` in-process (as typed), capturing stdout and stderr: for the ops commands' tests. */
export async function runCli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => out.push(String(c)) > 0);
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => err.push(String(c)) > 0);
  try {
    return { code: await main([...args]), out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** The JSON a `--json` command printed (Jest's own notices, e.g. the SDK's Node version warning, may share stdout). */
export const jsonOut = <T>(text: string): T => JSON.parse(text.slice(text.search(/^[[{]/m))) as T;
