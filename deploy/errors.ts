/** A deploy failure with a message that says what to do next. */
export class DeployError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeployError';
  }
}

/** Turns AWS SDK errors into advice: credentials, region, permissions and quotas. */
export function explainAwsError(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string } | null;
  const name = e?.name ?? '';
  const message = e?.message ?? String(err);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return 'no AWS credentials found: set AWS_PROFILE (after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `clinflow deploy plan --dry-run` needs none';
  }
  if (['UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredToken', 'ExpiredTokenException', 'InvalidSignatureException'].includes(name)) {
    return `the credentials were rejected (${name}): they may have expired, or belong to another partition or region; refresh them and check --region`;
  }
  if (/ENOTFOUND|getaddrinfo|UnknownEndpoint|Invalid region|region/i.test(message) && /region|endpoint|ENOTFOUND/i.test(message)) {
    return `the region could not be reached (${message}); check --region (e.g. us-east-1) and that the services are offered there`;
  }
  if (/AccessDenied|not authorized|UnauthorizedOperation/i.test(name + message)) {
    const action = /perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
    return `missing permission${action ? ` ${action}` : ''}: grant it to the deploying principal (see README "Deploying to AWS" for the full list). AWS said: ${message}`;
  }
  if (/LimitExceeded|ServiceQuotaExceeded|TooManyRequests|Throttling/i.test(name)) {
    return `an AWS quota or rate limit was hit (${name}): request an increase in Service Quotas or delete unused resources, then run apply again. AWS said: ${message}`;
  }
  return `${name || 'Error'}: ${message}`;
}
