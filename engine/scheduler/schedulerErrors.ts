import { ApiError } from '../../schemas/errors';

export type SchedulerExceptionName = 'ValidationException' | 'ConflictException' | 'ResourceNotFoundException';

/** An EventBridge Scheduler API error; `name` is AWS's exception name, as the SDK's errors carry it. */
export class SchedulerException extends ApiError {
  constructor(name: SchedulerExceptionName, message: string) {
    super(name, message);
    this.message = message;
  }
}

export const validationException = (message: string) => new SchedulerException('ValidationException', message);
export const conflictException = (message: string) => new SchedulerException('ConflictException', message);
export const notFoundException = (message: string) => new SchedulerException('ResourceNotFoundException', message);
