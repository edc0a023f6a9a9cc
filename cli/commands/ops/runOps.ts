import type { SetExit } from '../registry';
import { UsageError } from '../../usageError';

/**
 * Runs an ops action with the CLI's exit codes: 0 done, 1 the API refused or found a problem,
 * 2 a usage error. AWS errors print as `<ErrorName>: <message>`, as the AWS CLI prints them.
 */
export async function runOps(setExit: SetExit, action: () => Promise<number | void>): Promise<void> {
  try {
    const code = await action();
    if (typeof code === 'number') setExit(code);
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (err instanceof UsageError) {
      process.stderr.write(`clinflow: ${e.message ?? ''}\n`);
      setExit(2);
      return;
    }
    const name = e.name && e.name !== 'Error' ? `${e.name}: ` : '';
    process.stderr.write(`clinflow: ${name}${e.message ?? String(err)}\n`);
    setExit(1);
  }
}
