import { z } from 'zod';

/** A deployment stage's configuration (`clinflow.deploy.json` or CLI flags). */
export const StageConfig = z.object({
  stage: z.string().regex(/^[a-z][a-z0-9]{0,11}$/, 'a lowercase name of at most 12 letters/digits, e.g. "prod"'),
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as us-east-1'),
  /** Plain environment for task functions. Never put secrets here: use `secrets`. */
  environment: z.record(z.string(), z.string()).default({}),
  /** Environment variable name → Secrets Manager secret ARN; functions resolve them at run time. */
  secrets: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string().startsWith('arn:aws:secretsmanager:')).default({}),
  /** Customer-managed KMS key for schedules, state machines and log groups. */
  kmsKeyArn: z.string().startsWith('arn:aws:kms:').optional(),
  lambda: z
    .object({ memoryMb: z.number().int().min(128).max(10240).default(512), timeoutSeconds: z.number().int().min(1).max(900).default(30) })
    .default({ memoryMb: 512, timeoutSeconds: 30 }),
  logRetentionDays: z.number().int().default(30),
  /** The workflow that reminder schedules start (reminders.schedule targets it). */
  reminderDeliveryWorkflow: z.string().default('reminder-delivery'),
});
export type StageConfig = z.infer<typeof StageConfig>;
