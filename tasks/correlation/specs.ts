import * as z from 'zod';
import { CorrelationErrorNames } from '../../schemas/errors';
import type { TaskSpec } from '../../schemas/task';

export const ON_NEW_EVENT = ['replace', 'ignore', 'parallel'] as const;

/**
 * The first state of a workflow with `correlation:` (the compiler emits it; workflows don't call it).
 * In the execution a trigger started, it starts the workflow again under a name derived from the key
 * and ends; in that keyed execution it applies `onNewEvent` to the other running ones.
 */
export const correlationClaim = {
  name: 'correlation.claim',
  description: 'Run this execution for a business key: replace, ignore or run beside the others for the same key.',
  input: z.object({
    key: z.string().describe('the business key, e.g. Appointment/123'),
    onNewEvent: z.enum(ON_NEW_EVENT),
    execution: z.string().describe('$states.context.Execution.Id'),
    stateMachine: z.string().describe('$states.context.StateMachine.Id'),
    input: z.unknown().describe('$states.context.Execution.Input, handed to the keyed execution'),
  }),
  output: z.object({
    proceed: z.boolean(),
    action: z.enum(['dispatched', 'run', 'ignored', 'superseded']),
    key: z.string(),
    /** The keyed execution started (dispatched) or the one that supersedes this one. */
    execution: z.string().optional(),
    /** Executions for the same key this one stopped (replace). */
    stopped: z.array(z.string()),
  }),
  errors: [...CorrelationErrorNames],
  idempotent: { safe: true, how: 'the keyed execution has a name derived from the key and the event: starting it again is refused by Step Functions as already existing and counts as started' },
  fhirInteractions: [],
  compilerOnly: true,
} satisfies TaskSpec;

export const correlationTaskSpecs = [correlationClaim] as const;
