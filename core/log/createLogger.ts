import pino from 'pino';
import type { Logger } from '../../schemas/ports';
import { REDACTED, redactDeep, scrubText } from './redact';

export interface LoggerOptions {
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Where JSON lines go (a file, a test's capture stream); stdout when omitted. */
  destination?: pino.DestinationStream;
  /** Fields bound to every line (component name, …); redacted like everything else. */
  bindings?: Record<string, unknown>;
}

export interface ClinflowLogger extends Logger {
  child(bindings: Record<string, unknown>): ClinflowLogger;
}

/** Fixed paths pino redacts itself (fast path); redactDeep catches the same keys at any depth. */
const REDACT_PATHS = [
  'resource',
  'body',
  'name',
  'identifier',
  'telecom',
  'address',
  'birthDate',
  'token',
  'accessToken',
  'access_token',
  'authorization',
  'taskToken',
  'secret',
  'headers.authorization',
  'headers.Authorization',
  'req.headers.authorization',
  '*.resource',
  '*.body',
  '*.name',
  '*.identifier',
  '*.telecom',
  '*.address',
  '*.birthDate',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  '*.taskToken',
  '*.secret',
];

/**
 * The one structured logger (pino, JSON lines). PHI and secrets are removed before pino serialises
 * a line: resource bodies, names, identifiers, telecom, addresses, birth dates, tokens, authorization
 * headers, secrets and callback task tokens, wherever they are nested; bearer tokens and JWTs are
 * scrubbed from message text too.
 */
export function createLogger(options: LoggerOptions = {}): ClinflowLogger {
  const base = pino(
    {
      level: options.level ?? 'info',
      base: null,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: {
        logMethod(args, method) {
          // Redact every argument before pino formats it, so no serializer ever sees raw PHI.
          const safe = args.map((a) => (typeof a === 'string' ? scrubText(a) : redactDeep(a))) as Parameters<typeof method>;
          method.apply(this, safe);
        },
      },
    },
    options.destination ?? pino.destination(1),
  );
  const root = options.bindings ? base.child(redactDeep(options.bindings) as pino.Bindings) : base;
  return wrap(root);
}

function wrap(p: pino.Logger): ClinflowLogger {
  return {
    debug: (obj, msg) => p.debug(obj, msg),
    info: (obj, msg) => p.info(obj, msg),
    warn: (obj, msg) => p.warn(obj, msg),
    error: (obj, msg) => p.error(obj, msg),
    child: (bindings) => wrap(p.child(redactDeep(bindings) as pino.Bindings)),
  };
}
