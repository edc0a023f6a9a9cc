/**
 * A command used wrongly (a bad option, a missing file, a name that does not exist): the CLI prints
 * the message and exits 2. One class for every command, so one `instanceof` recognises them all.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
