import { ApiError } from '../../schemas/errors';
/**
 * A request refused with a 4xx (or a 503 when a dependency is down), rendered as a FHIR
 * OperationOutcome. Diagnostics never quote the body or credentials.
 */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'security'
  | 'login'
  | 'not-found'
  | 'not-supported'
  | 'too-costly'
  | 'transient'
  | 'exception'
  | 'processing'
  | 'conflict'
  | 'throttled'
  | 'timeout';

export class HttpProblem extends ApiError {
  constructor(
    readonly status: number,
    readonly code: IssueCode,
    readonly diagnostics: string,
    readonly expression?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, diagnostics, diagnostics);
    this.name = 'HttpProblem';
  }
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: { severity: 'fatal' | 'error' | 'warning' | 'information'; code: string; diagnostics?: string; expression?: string[] }[];
}

export function operationOutcome(problem: Pick<HttpProblem, 'status' | 'code' | 'diagnostics' | 'expression'>): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: problem.status === 500 ? 'fatal' : 'error',
        code: problem.code,
        diagnostics: problem.diagnostics,
        ...(problem.expression !== undefined ? { expression: [problem.expression] } : {}),
      },
    ],
  };
}

export function informationOutcome(diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics }] };
}
