import { ApiError } from '../../schemas/errors';

/**
 * An error in AWS's wire shape: `code` is the exception name clients match (`__type` in JSON
 * protocols, `x-amzn-ErrorType` in REST ones), `status` the HTTP status AWS documents for it.
 */
export class AwsError extends ApiError {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(code, message, message);
  }
}

/** The HTTP status an engine error maps to in a REST (restJson1) service, per the Scheduler API reference. */
export function restStatus(code: string): number {
  switch (code) {
    case 'ResourceNotFoundException':
      return 404;
    case 'ConflictException':
      return 409;
    case 'AccessDeniedException':
    case 'MissingAuthenticationTokenException':
    case 'InvalidSignatureException':
    case 'UnrecognizedClientException':
    case 'IncompleteSignatureException':
      return 403;
    case 'ThrottlingException':
      return 429;
    case 'InternalServerException':
      return 500;
    default:
      return 400;
  }
}
