import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../schemas/task';
import { StepFunctionsError } from './apiErrors';

const PREFIX = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:`;

export function stateMachineArn(name: string): string {
  return `${PREFIX}stateMachine:${name}`;
}

export function executionArn(stateMachineName: string, executionName: string): string {
  return `${PREFIX}execution:${stateMachineName}:${executionName}`;
}

/**
 * Parses a state machine ARN (optionally qualified by a version number) or a bare name.
 * Any region/account is accepted so artifacts rewritten by deploy still run locally.
 */
export function parseStateMachineArn(arn: string): { name: string; version?: number } {
  const m = /^arn:aws[\w-]*:states:[\w-]*:\d*:stateMachine:([^:]+)(?::(\d+))?$/.exec(arn);
  if (!m) throw new StepFunctionsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn.slice(0, 200)}'`);
  const name = m[1] ?? '';
  return m[2] === undefined ? { name } : { name, version: Number(m[2]) };
}

export function parseExecutionArn(arn: string): { stateMachineName: string; name: string } {
  const m = /^arn:aws[\w-]*:states:[\w-]*:\d*:execution:([^:]+):([^:]+)$/.exec(arn);
  if (!m) throw new StepFunctionsError('InvalidArn', `Invalid Arn: '${arn.slice(0, 200)}'`);
  return { stateMachineName: m[1] ?? '', name: m[2] ?? '' };
}

/** AWS's naming rule for state machines and executions: 1–80 characters, none of these. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export function assertValidName(kind: 'state machine' | 'execution', name: unknown): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 80 || FORBIDDEN.test(name)) {
    const shown = typeof name === 'string' ? name.slice(0, 100) : String(name);
    throw new StepFunctionsError('InvalidName', `Invalid ${kind} name: '${shown}' (1-80 characters; no whitespace, brackets, wildcards or special characters)`);
  }
  return name;
}
