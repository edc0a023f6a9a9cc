/**
 * The ops module's tables (ensureSchema module `ops`): the index of executions by the FHIR
 * references in their input, its progress mark, state-machine tags, and an index that lets
 * ListExecutions page by id without a status filter.
 */
export const opsSchema: readonly string[] = [
  `CREATE TABLE ops_execution_refs (
     ref TEXT NOT NULL, execution_id INTEGER NOT NULL, PRIMARY KEY (ref, execution_id)) WITHOUT ROWID;
   CREATE TABLE ops_index_progress (name TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
   CREATE TABLE ops_tags (resource_arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource_arn, key)) WITHOUT ROWID;
   CREATE INDEX IF NOT EXISTS ops_sfn_executions_by_machine ON sfn_executions(state_machine_id, id);`,
];
