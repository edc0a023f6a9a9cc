/** `detail.server` and the base of query-back URLs: the configured base URL without a trailing slash. */
export function serverOf(source: { baseUrl: string }): string {
  return source.baseUrl.replace(/\/+$/, '');
}
