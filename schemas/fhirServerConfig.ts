import * as z from 'zod';

/**
 * How clinflow reaches one FHIR server and authenticates to it. Secrets (tokens, private keys) are
 * given by value here; configuration loaders resolve them from files or the environment first.
 */
export const FhirAuthNone = z.object({ type: z.literal('none') });

export const FhirAuthBearer = z.object({ type: z.literal('bearer'), token: z.string().min(1) });

export const FhirAuthSmartBackend = z.object({
  type: z.literal('smart-backend'),
  clientId: z.string().min(1),
  /** Private key as a JWK (object) or PKCS#8 PEM string. */
  privateKey: z.union([z.string().min(1), z.looseObject({ kty: z.string() })]),
  alg: z.enum(['RS384', 'ES384']).default('RS384'),
  /** `kid` header of the client assertion (matches the key registered with the server's JWKS). */
  keyId: z.string().optional(),
  scope: z.string().default('system/*.rs system/*.cruds'),
  /** When omitted, discovered from `{baseUrl}/.well-known/smart-configuration`. */
  tokenUrl: z.url().optional(),
  /** Client assertion lifetime; SMART requires ≤ 300 s. */
  assertionLifetimeSeconds: z.number().int().min(1).max(300).default(300),
  /** Refresh the access token this many seconds before it expires. */
  refreshSkewSeconds: z.number().int().min(0).max(600).default(30),
});

export const FhirAuthConfig = z.discriminatedUnion('type', [FhirAuthNone, FhirAuthBearer, FhirAuthSmartBackend]);
export type FhirAuthConfig = z.infer<typeof FhirAuthConfig>;
export type FhirAuthSmartBackend = z.infer<typeof FhirAuthSmartBackend>;

export const FhirServerConfig = z.object({
  /** Name workflows use in `server:`; `default` when a deployment has one server. */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .default('default'),
  baseUrl: z.url(),
  auth: FhirAuthConfig.default({ type: 'none' }),
  /** Per-request timeout; a timeout is FHIR.Unavailable. */
  timeoutMs: z.number().int().positive().max(120_000).default(15_000),
  /** Identifier system used to tag resources created under an idempotency key. */
  idempotencySystem: z.string().default('urn:clinflow:idempotency-key'),
});
export type FhirServerConfig = z.infer<typeof FhirServerConfig>;
export type FhirServerConfigInput = z.input<typeof FhirServerConfig>;

export const FhirServersConfig = z
  .array(FhirServerConfig)
  .min(1)
  .refine((a) => new Set(a.map((s) => s.name)).size === a.length, 'server names must be unique');
