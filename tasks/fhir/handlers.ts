import { WorkflowError } from '../../schemas/errors';
import type { FhirPort, FhirRequestOptions, FhirResource, JsonPatchOperation } from '../../schemas/fhirPort';
import type { TaskContext } from '../../schemas/ports';
import type { TaskHandler } from '../../schemas/task';
import { fhirCreate, fhirDelete, fhirPatch, fhirRead, fhirSearch, fhirTransaction, fhirUpdate, fhirVread } from './specs';

/** Options every FHIR call gets: the target server, and for writes the engine's idempotency key. */
function opts(input: { server?: string | undefined }, ctx: TaskContext, write: boolean): FhirRequestOptions {
  return { ...(input.server !== undefined ? { server: input.server } : {}), ...(write ? { idempotencyKey: ctx.idempotencyKey } : {}) };
}

function need<K extends keyof FhirPort>(port: FhirPort, method: K): NonNullable<FhirPort[K]> {
  const fn = port[method];
  if (typeof fn !== 'function') throw new WorkflowError('States.TaskFailed', `the configured FHIR port does not implement ${String(method)}`);
  return (fn as (...a: unknown[]) => unknown).bind(port) as NonNullable<FhirPort[K]>;
}

export const fhirReadHandler: TaskHandler<typeof fhirRead> = (input, ctx) => ctx.ports.fhir.read(input.reference, opts(input, ctx, false));

export const fhirVreadHandler: TaskHandler<typeof fhirVread> = (input, ctx) => need(ctx.ports.fhir, 'vread')(input.reference, input.versionId, opts(input, ctx, false));

export const fhirSearchHandler: TaskHandler<typeof fhirSearch> = async (input, ctx) => {
  const o = { ...opts(input, ctx, false), maxPages: input.maxPages };
  if (ctx.ports.fhir.searchPages) {
    const r = await ctx.ports.fhir.searchPages(input.resourceType, input.params, o);
    return { resources: r.resources, ...(r.total !== undefined ? { total: r.total } : {}) };
  }
  return { resources: await ctx.ports.fhir.search(input.resourceType, input.params, o) };
};

export const fhirCreateHandler: TaskHandler<typeof fhirCreate> = (input, ctx) =>
  ctx.ports.fhir.create(input.resource as FhirResource, { ...opts(input, ctx, true), ...(input.ifNoneExist !== undefined ? { ifNoneExist: input.ifNoneExist } : {}) });

export const fhirUpdateHandler: TaskHandler<typeof fhirUpdate> = (input, ctx) =>
  ctx.ports.fhir.update(input.resource as FhirResource, { ...opts(input, ctx, true), ...(input.ifMatch !== undefined ? { ifMatch: input.ifMatch } : {}) });

export const fhirPatchHandler: TaskHandler<typeof fhirPatch> = (input, ctx) =>
  need(ctx.ports.fhir, 'patch')(input.reference, input.patch as JsonPatchOperation[], { ...opts(input, ctx, true), ...(input.ifMatch !== undefined ? { ifMatch: input.ifMatch } : {}) });

export const fhirDeleteHandler: TaskHandler<typeof fhirDelete> = async (input, ctx) => {
  await need(ctx.ports.fhir, 'delete')(input.reference, opts(input, ctx, true));
  return { deleted: true as const, reference: input.reference };
};

export const fhirTransactionHandler: TaskHandler<typeof fhirTransaction> = (input, ctx) => need(ctx.ports.fhir, 'transaction')(input.bundle, opts(input, ctx, true));

export const fhirHandlers = {
  'fhir.read': fhirReadHandler,
  'fhir.vread': fhirVreadHandler,
  'fhir.search': fhirSearchHandler,
  'fhir.create': fhirCreateHandler,
  'fhir.update': fhirUpdateHandler,
  'fhir.patch': fhirPatchHandler,
  'fhir.delete': fhirDeleteHandler,
  'fhir.transaction': fhirTransactionHandler,
} as const;

/** The catalogue names these handlers serve (a test checks they match tasks/fhir/specs.ts). */
export const fhirHandlerNames = Object.keys(fhirHandlers);
