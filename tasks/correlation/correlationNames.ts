import { createHash } from 'node:crypto';

/**
 * Executions that run for a business key are named `ck-<32 hex of sha256(key)>-<16 hex>`: 52
 * characters, inside Step Functions' 80-character name rule and its character set whatever the key
 * holds. The suffix (a hash of the execution that dispatched it) keeps names unique per event, which
 * Step Functions requires for 90 days, and makes a re-delivered dispatch start the same execution.
 */
const PREFIX = 'ck-';

const hex = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

/** The name prefix every execution for `key` carries. */
export function keyNamePrefix(key: string): string {
  return `${PREFIX}${hex(key, 32)}-`;
}

export function keyedExecutionName(key: string, dispatchedBy: string): string {
  return `${keyNamePrefix(key)}${hex(dispatchedBy, 16)}`;
}

/** `arn:aws:states:r:a:execution:<machine>:<name>` → name. */
export function executionNameOf(executionArn: string): string {
  return executionArn.split(':')[7] ?? '';
}

/** `…:stateMachine:<name>[:<version or alias>]` or an execution ARN → the unqualified state machine ARN. */
export function stateMachineArnOf(arn: string): string {
  const p = arn.split(':');
  return [...p.slice(0, 5), 'stateMachine', p[6] ?? ''].join(':');
}
