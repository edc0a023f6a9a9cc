import * as z from 'zod';

/** A deployment stage's configuration (`clinflow.deploy.json` or CLI flags). */
export const StageConfig = z.object({
  stage: z.string().regex(/^[a-z][a-z0-9]{0,11}$/, 'a lowercase name of at most 12 letters/digits, e.g. "prod"'),
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as us-east-1'),
  /** Plain environment for task functions. Never put secrets here: use `secrets`. */
  environment: z.record(z.string(), z.string()).default({}),
  /** Environment variable name → Secrets Manager secret ARN; functions resolve them at run time. */
  secrets: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string().regex(/^arn:aws[a-z-]*:secretsmanager:/, 'a Secrets Manager secret ARN')).default({}),
  /**
   * Customer-managed KMS key for the table, queue, schedules, state machines and log groups. Absent,
   * the stage template generates one (with the key policy those services need).
   */
  kmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:/, 'a KMS key ARN')
    .optional(),
  lambda: z
    .object({
      memoryMb: z.number().int().min(128).max(10240).default(512),
      timeoutSeconds: z.number().int().min(1).max(900).default(30),
      /** Lambda runtime (deploy/runtime.ts checks it: supported, or deprecated with a warning). */
      runtime: z
        .string()
        .regex(/^nodejs\d+\.x$/, 'a Node.js Lambda runtime such as nodejs22.x')
        .default('nodejs22.x'),
    })
    .default({ memoryMb: 512, timeoutSeconds: 30, runtime: 'nodejs22.x' }),
  /** CloudWatch Logs accepts only these retention periods (PutRetentionPolicy). */
  logRetentionDays: z
    .number()
    .int()
    .refine(
      (d) => [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].includes(d),
      'one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    )
    .default(30),
  /** The workflow that reminder schedules start (reminders.schedule targets it). */
  reminderDeliveryWorkflow: z.string().default('reminder-delivery'),
});
export type StageConfig = z.infer<typeof StageConfig>;
