import type { VerifiedCaller } from '../auth/sigv4';

/** What the audit trail records about a call: its kind and the execution (or resource) it touched. */
export interface AuditNote {
  /** `data`: returned execution data; `change`: changed something. Calls that do neither are not audited. */
  kind: 'data' | 'change';
  resource?: string | undefined;
}

export interface CallContext {
  caller: VerifiedCaller;
  sourceIp: string;
}

/** One API operation: `write` operations are refused to read-only keys. */
export interface Operation {
  write: boolean;
  run(input: Record<string, unknown>, ctx: CallContext): unknown;
  /** Decides after the fact whether (and how) the call is audited; the request's own fields name the resource. */
  audit?(input: Record<string, unknown>, output: unknown): AuditNote | undefined;
}

export type OperationTable = Readonly<Record<string, Operation>>;

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
