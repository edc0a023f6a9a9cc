import { ApiError } from '../../schemas/errors';

/** EventBridge API exception names, as the AWS SDK throws them. */
export type EventBridgeErrorName =
  'ValidationException' | 'ResourceNotFoundException' | 'ResourceAlreadyExistsException' | 'LimitExceededException' | 'InvalidEventPatternException' | 'IllegalStatusException';

export class EventBridgeError extends ApiError {
  constructor(error: EventBridgeErrorName, message: string) {
    super(error, message);
  }
}
