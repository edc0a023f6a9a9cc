import type { Clock } from '../../schemas/clock';
import { WorkflowError } from '../../schemas/errors';
import { StepFunctionsError, validationError } from './apiErrors';
import { checkDefinitionSize, decodeToken, encodeToken, optionalString, pageSize, requireObject, requireString } from './apiInput';
import { validateDefinitionText } from './definitionCheck';
import type { JournalStore } from './journalStore';
import { assertValidName, parseStateMachineArn, stateMachineArn as makeStateMachineArn } from './names';

const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/clinflow-local';

/**
 * The Step Functions API's state machines (create, update with revisions and published versions,
 * describe, list) over the journal, and the lookups the executor needs: a machine by ARN, its
 * name by id, a revision's parsed definition.
 */
export class StateMachines {
  private readonly definitions = new Map<number, object>();
  private readonly names = new Map<number, string>();

  constructor(
    private readonly store: JournalStore,
    private readonly clock: Clock,
  ) {}

  create(input: { name: string; definition: string; roleArn?: string; type?: 'STANDARD' | 'EXPRESS'; publish?: boolean; description?: string }): {
    stateMachineArn: string;
    creationDate: Date;
    stateMachineVersionArn?: string;
  } {
    const req = requireObject(input, 'CreateStateMachine');
    const name = assertValidName('state machine', req.name);
    const definition = requireString(req, 'definition');
    checkDefinitionSize(definition);
    validateDefinitionText(definition);
    const roleArn = optionalString(req, 'roleArn') ?? DEFAULT_ROLE;
    const type = optionalString(req, 'type') ?? 'STANDARD';
    if (type !== 'STANDARD' && type !== 'EXPRESS') throw validationError('type', "must be 'STANDARD' or 'EXPRESS'");
    const description = optionalString(req, 'description', 256);
    const arn = makeStateMachineArn(name);
    const existing = this.store.stateMachineByName(name);
    if (existing) {
      const rev = this.store.revision(existing.revision_id);
      // AWS treats an identical CreateStateMachine as idempotent.
      if (rev?.definition === definition && existing.role_arn === roleArn && existing.type === type) return { stateMachineArn: arn, creationDate: new Date(existing.created_ms) };
      throw new StepFunctionsError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const now = this.clock.now();
    const r = this.store.insertStateMachine({ name, type, roleArn, now, definition, publish: req.publish === true, ...(description === undefined ? {} : { description }) });
    this.names.set(r.id, name);
    return r.version === undefined ? { stateMachineArn: arn, creationDate: new Date(now) } : { stateMachineArn: arn, creationDate: new Date(now), stateMachineVersionArn: `${arn}:${r.version}` };
  }

  update(input: { stateMachineArn: string; definition?: string; roleArn?: string; publish?: boolean; description?: string }): {
    updateDate: Date;
    revisionId: string;
    stateMachineVersionArn?: string;
  } {
    const req = requireObject(input, 'UpdateStateMachine');
    const sm = this.byArn(requireString(req, 'stateMachineArn'));
    const definition = optionalString(req, 'definition');
    const roleArn = optionalString(req, 'roleArn');
    if (definition === undefined && roleArn === undefined) throw validationError('definition', 'at least one of definition or roleArn is required');
    if (definition !== undefined) {
      checkDefinitionSize(definition);
      validateDefinitionText(definition);
    }
    const current = this.store.revision(sm.revision_id);
    const now = this.clock.now();
    const description = optionalString(req, 'description', 256);
    const r = this.store.addRevision(sm.id, {
      definition: definition ?? current?.definition ?? '{}',
      roleArn: roleArn ?? sm.role_arn,
      now,
      publish: req.publish === true,
      ...(description === undefined ? {} : { description }),
    });
    const arn = makeStateMachineArn(sm.name);
    const out = { updateDate: new Date(now), revisionId: String(r.revisionId) };
    return r.version === undefined ? out : { ...out, stateMachineVersionArn: `${arn}:${r.version}` };
  }

  describe(input: { stateMachineArn: string }): {
    stateMachineArn: string;
    name: string;
    status: 'ACTIVE';
    definition: string;
    roleArn: string;
    type: string;
    creationDate: Date;
    revisionId: string;
    description?: string;
  } {
    const req = requireObject(input, 'DescribeStateMachine');
    const arnIn = requireString(req, 'stateMachineArn');
    const { version } = parseStateMachineArn(arnIn);
    const sm = this.byArn(arnIn);
    const rev = version === undefined ? this.store.revision(sm.revision_id) : this.store.revisionByVersion(sm.id, version);
    if (!rev) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arnIn}'`);
    const out = {
      stateMachineArn: arnIn,
      name: sm.name,
      status: 'ACTIVE' as const,
      definition: rev.definition,
      roleArn: rev.role_arn,
      type: sm.type,
      creationDate: new Date(sm.created_ms),
      revisionId: String(rev.id),
    };
    return rev.description === null ? out : { ...out, description: rev.description };
  }

  list(input: { maxResults?: number; nextToken?: string } = {}): {
    stateMachines: Array<{ stateMachineArn: string; name: string; type: string; creationDate: Date }>;
    nextToken?: string;
  } {
    const req = requireObject(input, 'ListStateMachines');
    const limit = pageSize(req.maxResults, 100);
    const rows = this.store.listStateMachines(decodeToken(req.nextToken) ?? 0, limit + 1);
    const page = rows.slice(0, limit);
    const stateMachines = page.map((r) => ({ stateMachineArn: makeStateMachineArn(r.name), name: r.name, type: r.type, creationDate: new Date(r.created_ms) }));
    const last = page[page.length - 1];
    return rows.length > limit && last ? { stateMachines, nextToken: encodeToken(last.id) } : { stateMachines };
  }

  /** The state machine an ARN names (a version ARN names its machine), or StateMachineDoesNotExist. */
  byArn(arn: string): NonNullable<ReturnType<JournalStore['stateMachineById']>> {
    const { name } = parseStateMachineArn(arn);
    const sm = this.store.stateMachineByName(name);
    if (!sm) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return sm;
  }

  /** A state machine's name by id, cached (execution ARNs are built from it). */
  name(id: number): string {
    let name = this.names.get(id);
    if (name === undefined) {
      name = this.store.stateMachineById(id)?.name ?? `unknown-${id}`;
      this.names.set(id, name);
    }
    return name;
  }

  /** A revision's parsed definition, cached: the interpreter reads it on every step. */
  definition(revisionId: number): object {
    let def = this.definitions.get(revisionId);
    if (!def) {
      const rev = this.store.revision(revisionId);
      if (!rev) throw new WorkflowError('States.Runtime', `state machine revision ${revisionId} is missing from the journal`);
      def = JSON.parse(rev.definition) as object;
      this.definitions.set(revisionId, def);
    }
    return def;
  }
}
