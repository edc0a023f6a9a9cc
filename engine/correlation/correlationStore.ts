import { ensureSchema, type Db } from '../../core/db/openDatabase';

/** One execution that runs for a business key (see tasks/correlation). */
export interface KeyedExecution {
  executionArn: string;
  stateMachineArn: string;
  key: string;
  /** When the keyed execution was started (epoch ms). */
  createdMs: number;
}

/**
 * The local record of correlation keys: execution ARN → the readable key it runs for, indexed by
 * key, so executions can be searched by the order or appointment they are about (AWS keeps only
 * the hashed name; see tasks/correlation/correlationNames.ts). Own module, own table.
 */
export class CorrelationStore {
  private readonly insert;
  private readonly byKey;
  private readonly byKeyAndMachine;
  private readonly byExecution;

  constructor(db: Db) {
    ensureSchema(db, 'correlation', [
      `CREATE TABLE correlation_keys (
         execution_arn TEXT PRIMARY KEY,
         state_machine_arn TEXT NOT NULL,
         correlation_key TEXT NOT NULL,
         created_ms INTEGER NOT NULL
       );
       CREATE INDEX correlation_keys_by_key ON correlation_keys (correlation_key, created_ms)`,
    ]);
    this.insert = db.prepare('INSERT OR IGNORE INTO correlation_keys (execution_arn, state_machine_arn, correlation_key, created_ms) VALUES (?, ?, ?, ?)');
    const cols = 'execution_arn AS executionArn, state_machine_arn AS stateMachineArn, correlation_key AS key, created_ms AS createdMs';
    this.byKey = db.prepare(`SELECT ${cols} FROM correlation_keys WHERE correlation_key = ? ORDER BY created_ms DESC, rowid DESC`);
    this.byKeyAndMachine = db.prepare(`SELECT ${cols} FROM correlation_keys WHERE correlation_key = ? AND state_machine_arn = ? ORDER BY created_ms DESC, rowid DESC`);
    this.byExecution = db.prepare(`SELECT ${cols} FROM correlation_keys WHERE execution_arn = ?`);
  }

  record(e: KeyedExecution): void {
    this.insert.run(e.executionArn, e.stateMachineArn, e.key, e.createdMs);
  }

  /**
   * Every execution ever started for `key` (any status), newest first; optionally of one state
   * machine (unqualified ARN). This is what `clinflow executions list --key` calls; the execution's
   * status comes from the engine's DescribeExecution.
   */
  findByKey(key: string, stateMachineArn?: string): KeyedExecution[] {
    return (stateMachineArn === undefined ? this.byKey.all(key) : this.byKeyAndMachine.all(key, stateMachineArn)) as KeyedExecution[];
  }

  keyOf(executionArn: string): KeyedExecution | undefined {
    return this.byExecution.get(executionArn) as KeyedExecution | undefined;
  }
}
