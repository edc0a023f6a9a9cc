import * as z from 'zod';
import { FhirAuthConfig } from './fhirServerConfig';

/**
 * Configuration of the ways in (triggers/): the FHIR notification endpoint, FHIR polling and the
 * PutEvents-style HTTP endpoint. Secrets appear here as plain strings; the caller resolves them
 * (environment, secret store) before validation. They are never logged.
 */

/** A sender's credentials. Every configured one must verify (both, when both are set). */
export const SourceAuth = z
  .object({
    /** Expected `Authorization: Bearer <token>`. */
    bearerToken: z.string().min(1).optional(),
    /** Secret for `X-Signature` (hex HMAC-SHA256 of the raw body), as Medplum sends it. */
    hmacSecret: z.string().min(1).optional(),
  })
  .refine((a) => a.bearerToken !== undefined || a.hmacSecret !== undefined, {
    message: 'a source needs a bearerToken or an hmacSecret',
  });
export type SourceAuth = z.infer<typeof SourceAuth>;

export const PollingConfig = z.object({
  /** FHIR search queries relative to baseUrl, e.g. `MedicationRequest?status=active`. */
  queries: z.array(z.string().regex(/^[A-Z][A-Za-z]+(\?.*)?$/, 'a query is `Type` or `Type?params`')).min(1),
  /** Periodic polling; absent: poll only when an empty R4 notification asks for it. */
  intervalSeconds: z.number().int().positive().optional(),
  /** Safety bound on `Bundle.link[next]` pages per poll. */
  maxPages: z.number().int().positive().default(100),
  /** Watermark for a query never polled before (ISO instant); absent: the time of the first poll. */
  startFrom: z.string().datetime({ offset: true }).optional(),
});
export type PollingConfig = z.infer<typeof PollingConfig>;

export const SourceConfig = z
  .object({
    /**
     * `fhir`: any server speaking R4 rest-hook, the R4 Backport IG, R4B or R5 (the shape is read
     * from the request). `hapi`: the same, labelled as HAPI. `medplum`: Medplum's POST + X-Signature.
     */
    kind: z.enum(['fhir', 'hapi', 'medplum']),
    /** The server's FHIR base URL; becomes `detail.server` and the base of query-back requests. */
    baseUrl: z.string().url(),
    /**
     * A stable name of the server for dedupe keys; default: `baseUrl`. Sources naming one server
     * (notifications and polling) share it, so they dedupe each other. Set it when the base URL is
     * not stable (`clinflow dev`'s sandbox listens on a random port), or dedupe will not survive a restart.
     */
    dedupeId: z.string().min(1).max(256).optional(),
    auth: SourceAuth,
    /**
     * How clinflow authenticates when it reads from the server (polling, id-only notifications): the
     * same choices as a task's FHIR server (`none`, `bearer`, `smart-backend`), by the same client.
     */
    outboundAuth: FhirAuthConfig.optional(),
    /** Shorthand for `outboundAuth: { type: bearer, token }`. */
    outboundBearerToken: z.string().min(1).optional(),
    /**
     * Per-request timeout of reads back from the server (polling, id-only notifications): a server
     * that hangs fails the poll, or answers the sender 503 to retry, instead of stalling them.
     */
    outboundTimeoutMs: z.number().int().positive().max(120_000).default(15_000),
    polling: PollingConfig.optional(),
  })
  .refine((s) => s.outboundAuth === undefined || s.outboundBearerToken === undefined, {
    message: 'give outboundAuth or outboundBearerToken, not both',
    path: ['outboundBearerToken'],
  });
export type SourceConfig = z.infer<typeof SourceConfig>;

export const TriggerConfig = z.object({
  /** Configured senders, by the name used in the path `/fhir/notify/{source}`. */
  sources: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), SourceConfig).default({}),
  /** FHIRPath expressions the loaded rules route on, by resource type (manifest `routingAttributes`). */
  routingAttributes: z.record(z.string(), z.array(z.string())).default({}),
  /** Largest request body accepted; larger ones get 413 without being read to the end. */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** The PutEvents-style endpoint; absent: `POST /events` answers 404. */
  events: z.object({ bearerTokens: z.array(z.string().min(1)).min(1) }).optional(),
  /** Dedupe keys are kept this long (senders stop retrying long before), then purged hourly. */
  dedupeRetentionHours: z
    .number()
    .positive()
    .default(24 * 7),
  /** How long graceful shutdown waits for in-flight requests before closing connections. */
  shutdownGraceMs: z.number().int().nonnegative().default(10_000),
  /** A client must send all its headers within this time (node `server.headersTimeout`), else 408. */
  headersTimeoutMs: z.number().int().positive().default(10_000),
  /** A client must send its whole request within this time (node `server.requestTimeout`), else 408. */
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** Open connections beyond this are closed at once (node `server.maxConnections`). */
  maxConnections: z.number().int().positive().default(256),
  /**
   * Bodies read at once, per source, before the sender is authenticated (sources whose only
   * credential is an HMAC over the body); more get 429 without a byte being read.
   */
  maxUnauthenticatedReadsPerSource: z.number().int().positive().default(8),
  /** Deepest nesting of JSON objects and arrays accepted in a body (or a PutEvents Detail): 400 beyond. */
  maxJsonDepth: z.number().int().positive().default(64),
});
export type TriggerConfig = z.infer<typeof TriggerConfig>;
export type TriggerConfigInput = z.input<typeof TriggerConfig>;
