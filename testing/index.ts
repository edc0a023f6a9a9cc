/**
 * `clinflow/testing`: the machinery behind `clinflow test`, for TypeScript tests. Run a test file
 * (`runTestFile`), or drive a workflow by hand in a `WorkflowTestEnvironment` (simulated clock,
 * in-process FHIR sandbox, scripted task results, a person's answers) and check what it did.
 */
export { WorkflowTestEnvironment, WorkflowTestSetupError, resolveWorkflowFile, DEFAULT_TEST_START, MAX_RUN_MS } from './workflowTestEnvironment';
export type { WorkflowTestEnvironmentOptions, Observed, SentMessage, CreatedSchedule, CreatedTask, StartResult } from './workflowTestEnvironment';
export type { ExecutionSummary } from './executionSummary';
export { runTestFile, runTestCase, type TestCaseResult, type TestFileResult, type RunTestOptions } from './runTestFile';
export { loadTestFile, fixtureResources } from './loadTestFile';
export { checkExpectations, partialMatch, lineDiff, type ExpectationFailure } from './expectations';
export { changeEventFor, triggerMatches } from './triggerEvent';
export { formatTestResult, formatSummary, exitCodeOf, totals } from './report';
export { WorkflowTestFile, WorkflowTestCase, isWorkflowTestFile } from '../schemas/workflowTest';
