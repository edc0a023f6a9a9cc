import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import type { Change, CreateChangeSetCommandInput, StackEvent } from '@aws-sdk/client-cloudformation';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * An in-memory CloudFormation and S3, behaving as the API references say (not as clinflow expects):
 * - DescribeStacks on a missing stack: ValidationError "Stack with id X does not exist"
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html).
 * - CreateChangeSet: "To create a change set for a stack that doesn't exist, for the ChangeSetType
 *   parameter, specify CREATE"; UPDATE on a missing stack is a ValidationError; a CREATE change set
 *   creates the stack in REVIEW_IN_PROGRESS; a stack in ROLLBACK_COMPLETE takes no change set
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html,
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-create.html).
 * - DescribeChangeSet: Status CREATE_PENDING / CREATE_IN_PROGRESS / CREATE_COMPLETE / FAILED; a
 *   change set with nothing to do is FAILED with StatusReason "The submitted information didn't
 *   contain changes. Submit different information to create a change set."; Changes are paged by
 *   NextToken (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html).
 * - ExecuteChangeSet: the stack goes *_IN_PROGRESS, then *_COMPLETE, or on a resource failure
 *   rolls back to ROLLBACK_COMPLETE (create) / UPDATE_ROLLBACK_COMPLETE (update)
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html,
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html).
 * - DescribeStackEvents: newest first
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackEvents.html).
 * - DeleteStack: DELETE_IN_PROGRESS, then the stack is gone.
 * - S3 HeadObject on a missing key: 404 with no body, which the SDK raises as `NotFound`
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
 */
interface FakeStack {
  name: string;
  status: string;
  template?: Record<string, unknown>;
  parameters: Record<string, string>;
  outputs: Record<string, string>;
  events: StackEvent[];
  polls: number;
  pending?: { template: Record<string, unknown>; parameters: Record<string, string>; kind: 'CREATE' | 'UPDATE' | 'DELETE' } | undefined;
}
interface FakeChangeSet {
  stack: string;
  type: 'CREATE' | 'UPDATE';
  template: Record<string, unknown>;
  parameters: Record<string, string>;
  changes: Change[];
  polls: number;
}

const validation = (message: string): Error => Object.assign(new Error(message), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } });

/** How many DescribeStacks polls an operation stays IN_PROGRESS (so progress is really followed). */
const POLLS_IN_PROGRESS = 2;

export function fakeCloudFormation(opts: { pageSize?: number } = {}) {
  const cfn = new CloudFormationClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const cfnMock = mockClient(cfn);
  const s3Mock = mockClient(s3);
  const stacks = new Map<string, FakeStack>();
  const changeSets = new Map<string, FakeChangeSet>();
  const objects = new Map<string, Uint8Array | string>();
  /** Logical ids whose create/update the fake fails (with this reason), to exercise rollbacks. */
  const failing = new Map<string, string>();
  let clock = Date.parse('2026-12-02T12:00:00Z');
  const tick = (): Date => new Date((clock += 1000));
  const pageSize = opts.pageSize ?? 100;

  const stackOf = (name: string): FakeStack => {
    const s = stacks.get(name);
    if (!s) throw validation(`Stack with id ${name} does not exist`);
    return s;
  };
  const event = (s: FakeStack, logicalId: string, type: string, status: string, reason?: string): void => {
    s.events.unshift({
      EventId: `${s.name}-${s.events.length}`,
      StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${s.name}/1`,
      StackName: s.name,
      LogicalResourceId: logicalId,
      ResourceType: type,
      ResourceStatus: status as StackEvent['ResourceStatus'],
      Timestamp: tick(),
      ...(reason ? { ResourceStatusReason: reason } : {}),
    });
  };
  const templateFrom = (input: CreateChangeSetCommandInput): Record<string, unknown> => {
    if (input.TemplateBody) return JSON.parse(input.TemplateBody) as Record<string, unknown>;
    const key = /^https:\/\/([^.]+)\.s3\.[a-z0-9-]+\.amazonaws\.com\/(.+)$/.exec(input.TemplateURL ?? '');
    const body = key ? objects.get(`${key[1]}/${key[2]}`) : undefined;
    if (typeof body !== 'string') throw validation(`TemplateURL must be a supported URL.`);
    return JSON.parse(body) as Record<string, unknown>;
  };
  const resourcesOf = (t: Record<string, unknown> | undefined): Record<string, { Type: string }> => (t?.Resources ?? {}) as Record<string, { Type: string }>;

  cfnMock.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
    const s = stackOf(input.StackName ?? '');
    if (s.status.endsWith('_IN_PROGRESS') && s.status !== 'REVIEW_IN_PROGRESS' && s.pending) {
      if (++s.polls >= POLLS_IN_PROGRESS) settle(s);
    }
    if (!stacks.has(s.name)) throw validation(`Stack with id ${s.name} does not exist`);
    return {
      Stacks: [
        {
          StackName: s.name,
          StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${s.name}/1`,
          StackStatus: s.status as never,
          CreationTime: new Date(clock),
          Outputs: Object.entries(s.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    };
  });

  function settle(s: FakeStack): void {
    const p = s.pending!;
    s.pending = undefined;
    s.polls = 0;
    if (p.kind === 'DELETE') {
      event(s, s.name, 'AWS::CloudFormation::Stack', 'DELETE_COMPLETE');
      stacks.delete(s.name);
      return;
    }
    const failed = Object.keys(resourcesOf(p.template)).find((id) => failing.has(id));
    if (failed) {
      event(s, failed, resourcesOf(p.template)[failed]!.Type, `${p.kind}_FAILED`, failing.get(failed));
      s.status = p.kind === 'CREATE' ? 'ROLLBACK_COMPLETE' : 'UPDATE_ROLLBACK_COMPLETE';
      event(s, s.name, 'AWS::CloudFormation::Stack', s.status);
      return;
    }
    for (const [id, r] of Object.entries(resourcesOf(p.template))) event(s, id, r.Type, `${p.kind}_COMPLETE`);
    s.template = p.template;
    s.parameters = p.parameters;
    const outputs = (p.template.Outputs ?? {}) as Record<string, unknown>;
    s.outputs = Object.fromEntries(Object.keys(outputs).map((k) => [k, `${s.name.toLowerCase()}-${k.toLowerCase()}-bucket`]));
    s.status = `${p.kind}_COMPLETE`;
    event(s, s.name, 'AWS::CloudFormation::Stack', s.status);
  }

  cfnMock.on(CreateChangeSetCommand).callsFake((input: CreateChangeSetCommandInput) => {
    const name = input.StackName ?? '';
    const existing = stacks.get(name);
    if (input.ChangeSetType === 'CREATE' && existing && existing.status !== 'REVIEW_IN_PROGRESS') {
      throw validation(`Stack [${name}] already exists and cannot be created again with the changeSet [${input.ChangeSetName}].`);
    }
    if (input.ChangeSetType !== 'CREATE' && !existing) throw validation(`Stack [${name}] does not exist`);
    if (existing && /^(ROLLBACK_COMPLETE|ROLLBACK_FAILED)$/.test(existing.status)) {
      throw validation(`Stack:arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/1 is in ${existing.status} state and can not be updated.`);
    }
    if (!existing) stacks.set(name, { name, status: 'REVIEW_IN_PROGRESS', parameters: {}, outputs: {}, events: [], polls: 0 });
    const template = templateFrom(input);
    const parameters = Object.fromEntries((input.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']));
    const before = resourcesOf(existing?.template);
    const after = resourcesOf(template);
    const changes: Change[] = [];
    const sameParams = JSON.stringify(parameters) === JSON.stringify(existing?.parameters ?? {});
    for (const [id, r] of Object.entries(after)) {
      if (!before[id]) changes.push({ Type: 'Resource', ResourceChange: { Action: 'Add', LogicalResourceId: id, ResourceType: r.Type } });
      else if (JSON.stringify(before[id]) !== JSON.stringify(r) || !sameParams)
        changes.push({ Type: 'Resource', ResourceChange: { Action: 'Modify', LogicalResourceId: id, ResourceType: r.Type, Replacement: 'False' } });
    }
    for (const [id, r] of Object.entries(before)) if (!after[id]) changes.push({ Type: 'Resource', ResourceChange: { Action: 'Remove', LogicalResourceId: id, ResourceType: r.Type } });
    changeSets.set(`${name}/${input.ChangeSetName}`, { stack: name, type: input.ChangeSetType === 'CREATE' ? 'CREATE' : 'UPDATE', template, parameters, changes, polls: 0 });
    return { Id: `arn:aws:cloudformation:us-east-1:123456789012:changeSet/${input.ChangeSetName}/1`, StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${name}/1` };
  });

  const changeSetOf = (stack: string, name: string): FakeChangeSet => {
    const cs = changeSets.get(`${stack}/${name}`);
    if (!cs) throw Object.assign(new Error(`ChangeSet [${name}] does not exist`), { name: 'ChangeSetNotFoundException' });
    return cs;
  };

  cfnMock.on(DescribeChangeSetCommand).callsFake((input: { StackName?: string; ChangeSetName?: string; NextToken?: string }) => {
    const cs = changeSetOf(input.StackName ?? '', input.ChangeSetName ?? '');
    cs.polls += 1;
    if (cs.polls === 1) return { Status: 'CREATE_PENDING', ExecutionStatus: 'UNAVAILABLE' };
    if (!cs.changes.length) {
      return { Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set." };
    }
    const start = Number(input.NextToken ?? '0');
    const next = start + pageSize < cs.changes.length ? String(start + pageSize) : undefined;
    return { Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE', ChangeSetName: input.ChangeSetName, Changes: cs.changes.slice(start, start + pageSize), ...(next ? { NextToken: next } : {}) };
  });

  cfnMock.on(DeleteChangeSetCommand).callsFake((input: { StackName?: string; ChangeSetName?: string }) => {
    changeSetOf(input.StackName ?? '', input.ChangeSetName ?? '');
    changeSets.delete(`${input.StackName}/${input.ChangeSetName}`);
    return {};
  });

  cfnMock.on(ExecuteChangeSetCommand).callsFake((input: { StackName?: string; ChangeSetName?: string }) => {
    const cs = changeSetOf(input.StackName ?? '', input.ChangeSetName ?? '');
    const s = stackOf(cs.stack);
    s.pending = { template: cs.template, parameters: cs.parameters, kind: cs.type };
    s.status = `${cs.type}_IN_PROGRESS`;
    event(s, s.name, 'AWS::CloudFormation::Stack', s.status, 'User Initiated');
    // Executing a change set deletes the stack's other change sets.
    for (const k of [...changeSets.keys()]) if (k.startsWith(`${s.name}/`)) changeSets.delete(k);
    return {};
  });

  cfnMock.on(DescribeStackEventsCommand).callsFake((input: { StackName?: string }) => ({ StackEvents: [...stackOf(input.StackName ?? '').events] }));

  cfnMock.on(DeleteStackCommand).callsFake((input: { StackName?: string }) => {
    const s = stacks.get(input.StackName ?? '');
    if (!s) return {}; // DeleteStack of a missing stack succeeds silently.
    s.status = 'DELETE_IN_PROGRESS';
    s.pending = { template: {}, parameters: {}, kind: 'DELETE' };
    event(s, s.name, 'AWS::CloudFormation::Stack', 'DELETE_IN_PROGRESS', 'User Initiated');
    return {};
  });

  s3Mock.on(HeadObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) => {
    if (!objects.has(`${input.Bucket}/${input.Key}`)) throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    return {};
  });
  s3Mock.on(PutObjectCommand).callsFake((input: { Bucket?: string; Key?: string; Body?: unknown }) => {
    objects.set(`${input.Bucket}/${input.Key}`, typeof input.Body === 'string' ? input.Body : (input.Body as Uint8Array));
    return { ETag: '"x"' };
  });

  return { cfn, s3, cfnMock, s3Mock, stacks, objects, failing, now: (): Date => new Date(clock) };
}
