import { ApiError, ValidationError } from '../../schemas/errors';

/** The Step Functions API exception names the local engine raises, as the AWS SDK would throw them. */
export type StepFunctionsErrorName =
  | 'ExecutionDoesNotExist'
  | 'ExecutionAlreadyExists'
  | 'ExecutionNotRedrivable'
  | 'StateMachineDoesNotExist'
  | 'StateMachineAlreadyExists'
  | 'InvalidArn'
  | 'InvalidName'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException';

/** An API call the caller got wrong or that refers to something missing; never a process crash. */
export class StepFunctionsError extends ApiError {
  constructor(error: StepFunctionsErrorName, message: string) {
    super(error, message);
  }
}

export function validationError(path: string, message: string): ValidationError {
  return new ValidationError('ValidationException', [{ path, message }]);
}
