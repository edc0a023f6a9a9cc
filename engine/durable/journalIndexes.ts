/**
 * Indexes for listing executions the way AWS orders them, newest start first (ensureSchema module
 * `journal_indexes`, kept apart from the `journal` module's table migrations). Each serves a keyset
 * walk: `(state_machine_id[, status], start_ms, id)` is an equality prefix then the sort key, so a
 * page is one index seek from the cursor, whatever the page's depth; redriven executions (few) have
 * a partial index of their own, so `redriveFilter: REDRIVEN` does not walk every execution.
 * `IF NOT EXISTS`: safe on a journal that has any of them already (building them on a journal of a
 * million executions takes a few seconds, once).
 */
export const journalIndexSchema: readonly string[] = [
  `CREATE INDEX IF NOT EXISTS sfn_executions_by_start ON sfn_executions(state_machine_id, start_ms, id);
   CREATE INDEX IF NOT EXISTS sfn_executions_by_status_start ON sfn_executions(state_machine_id, status, start_ms, id);
   CREATE INDEX IF NOT EXISTS sfn_executions_redriven ON sfn_executions(state_machine_id, start_ms, id) WHERE redrive_count > 0;`,
  // The console and `executions list` without a workflow list across every state machine: the
  // same keyset walk with no state machine prefix.
  `CREATE INDEX IF NOT EXISTS sfn_executions_all_by_start ON sfn_executions(start_ms, id);
   CREATE INDEX IF NOT EXISTS sfn_executions_all_by_status_start ON sfn_executions(status, start_ms, id);`,
];
