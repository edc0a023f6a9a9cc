/** How a Task's Resource is invoked and journaled. */

export const MAX_PAYLOAD_BYTES = 256 * 1024;

export interface ResourceKind {
  lambda: 'direct' | 'service' | 'other';
  waitForTaskToken: boolean;
  /** For TaskScheduled: `lambda`, `aws-sdk:s3`, … and the action (`invoke`, `invoke.waitForTaskToken`). */
  resourceType: string;
  resourceName: string;
}

const DIRECT_LAMBDA = /^arn:aws[a-z-]*:lambda:[^:]+:\d+:function:/;

export function classifyResource(resource: string): ResourceKind {
  const waitForTaskToken = resource.endsWith('.waitForTaskToken');
  if (DIRECT_LAMBDA.test(resource)) return { lambda: 'direct', waitForTaskToken, resourceType: 'lambda', resourceName: resource };
  // `states:startExecution.sync:2` keeps its `:2` in the action; `aws-sdk:s3:getObject` is service `aws-sdk:s3`.
  const m = /^arn:aws[a-z-]*:states:::(aws-sdk:[^:]+|[^:]+):(.+)$/.exec(resource);
  if (m) {
    const service = m[1]!;
    const action = m[2]!;
    return { lambda: service === 'lambda' && action.startsWith('invoke') ? 'service' : 'other', waitForTaskToken, resourceType: service, resourceName: action };
  }
  return { lambda: 'other', waitForTaskToken, resourceType: 'activity', resourceName: resource };
}

/** AWS names the service (`lambda`) for integrations and the ARN for direct invocations. */
export function dataLimitSubject(resource: string): string {
  const m = /^arn:aws[a-z-]*:states:::([^:]+):/.exec(resource);
  return m ? m[1]! : resource;
}

export function payloadTooLarge(value: unknown): boolean {
  const text = JSON.stringify(value) ?? 'null';
  // A UTF-16 unit is at least one UTF-8 byte and at most three: only measure when it matters.
  if (text.length > MAX_PAYLOAD_BYTES) return true;
  return text.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES;
}
