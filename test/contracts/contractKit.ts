/** Shared pieces of the port contract suites. */

/** The error name a promise rejects with, or `no error`: contracts compare names, as AWS clients do. */
export async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { name?: string }).name ?? 'Error';
  }
  return 'no error';
}
