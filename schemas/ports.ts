/**
 * Ports: the small interfaces through which tasks and triggers reach the bus, the scheduler, the
 * execution engine and FHIR. Each has a local adapter (engine/, tasks/) and an AWS adapter
 * (deploy/aws/). Where AWS has an API the port speaks the AWS SDK's own input/output types, so the
 * two adapters are interchangeable. (Type-only imports: schemas/ stays runtime-dependent on zod only.)
 */
import type {
  CreateScheduleCommandInput,
  CreateScheduleGroupCommandInput,
  DeleteScheduleCommandInput,
  GetScheduleCommandInput,
  GetScheduleCommandOutput,
  ListSchedulesCommandInput,
  ListSchedulesCommandOutput,
  UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import type { PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type {
  ExecutionListItem,
  ListExecutionsCommandInput,
  SendTaskFailureCommandInput,
  SendTaskHeartbeatCommandInput,
  SendTaskSuccessCommandInput,
  StartExecutionCommandInput,
  StopExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import type { Clock } from './clock';
import type { FhirPort } from './fhirPort';

type WithoutMetadata<T> = Omit<T, '$metadata'>;

/** EventBridge Scheduler. Errors use AWS's exception names: ConflictException, ResourceNotFoundException, ValidationException. */
export interface SchedulerPort {
  createSchedule(input: CreateScheduleCommandInput): Promise<{ ScheduleArn: string }>;
  updateSchedule(input: UpdateScheduleCommandInput): Promise<{ ScheduleArn: string }>;
  deleteSchedule(input: DeleteScheduleCommandInput): Promise<void>;
  getSchedule(input: GetScheduleCommandInput): Promise<WithoutMetadata<GetScheduleCommandOutput>>;
  listSchedules(input: ListSchedulesCommandInput): Promise<WithoutMetadata<ListSchedulesCommandOutput>>;
  /** Optional: lets a task create its schedule group on first use (ConflictException when it exists). */
  createScheduleGroup?(input: CreateScheduleGroupCommandInput): Promise<{ ScheduleGroupArn: string }>;
}

/** EventBridge PutEvents. An entry is durably stored before its result says it was accepted. */
export interface BusPort {
  /** `alongside`: a write to commit in the same transaction as the entries, where the bus can (see BusAtomicWrite). */
  putEvents(entries: PutEventsRequestEntry[], alongside?: BusAtomicWrite): Promise<{ FailedEntryCount: number; Entries: PutEventsResultEntry[] }>;
}

/**
 * A write that must commit with the events or not at all (the `/events` Idempotency-Key answer):
 * a bus that stores events in SQLite calls `write` inside the transaction that stores them when
 * `db` is its own database connection; any other bus ignores it, and the caller writes afterwards.
 */
export interface BusAtomicWrite {
  db: unknown;
  write(result: { FailedEntryCount: number; Entries: PutEventsResultEntry[] }): void;
}

/** The subset of Step Functions that tasks and triggers use. */
export interface ExecutionPort {
  startExecution(input: StartExecutionCommandInput): Promise<{ executionArn: string; startDate: Date }>;
  sendTaskSuccess(input: SendTaskSuccessCommandInput): Promise<void>;
  sendTaskFailure(input: SendTaskFailureCommandInput): Promise<void>;
  sendTaskHeartbeat(input: SendTaskHeartbeatCommandInput): Promise<void>;
}

/**
 * The Step Functions calls that correlation keys need (tasks/correlation): list a state machine's
 * executions, start one under a key-derived name, stop one. The local adapter also records the key
 * (engine/correlation), so executions can be searched by it.
 */
export interface CorrelationPort {
  listExecutions(input: ListExecutionsCommandInput): Promise<{ executions: ExecutionListItem[]; nextToken?: string }>;
  /** `correlationKey`: the readable key the name was derived from (AWS keeps only the name). */
  startExecution(input: StartExecutionCommandInput, correlationKey: string): Promise<{ executionArn: string; startDate: Date }>;
  stopExecution(input: StopExecutionCommandInput): Promise<void>;
}

/** A notification channel (development log, webhook, …). */
export interface NotifyPort {
  send(message: { channel?: string; recipient: string; subject?: string; body: string; idempotencyKey: string }): Promise<{ deliveryId: string }>;
}

/** Structured logger that redacts PHI and secrets (pino underneath). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface TaskPorts {
  scheduler: SchedulerPort;
  bus: BusPort;
  executions: ExecutionPort;
  fhir: FhirPort;
  notify: NotifyPort;
}

/** What the engine hands a task function on each invocation. */
export interface TaskContext {
  /** `executionArn|stateName|attempt[|mapIndex…]`: the same across a retried side effect's re-delivery. */
  idempotencyKey: string;
  executionArn: string;
  stateName: string;
  /** Present for `.waitForTaskToken` invocations. A secret: never log it or write it to FHIR. */
  taskToken?: string;
  clock: Clock;
  ports: TaskPorts;
  log: Logger;
}
