import type { CallbackEntry, CallbackStore } from '../../tasks/human/callbackStore';

/**
 * CallbackStore for one Lambda container. It is NOT durable: tokens vanish with the container, and
 * the function that resumes a Task runs in another one. The task function therefore refuses
 * `tasks.await` before any side effect (see taskFunction.ts) unless CLINFLOW_CALLBACK_TABLE names the
 * DynamoDB table (dynamoCallbackStore.ts); this store only satisfies the handler registry's dependency.
 */
export function createInMemoryCallbackStore(): CallbackStore {
  const entries = new Map<string, CallbackEntry & { usedAt?: number }>();
  return {
    register(entry) {
      const prev = entries.get(entry.task);
      if (prev?.usedAt !== undefined) return;
      entries.set(entry.task, { ...entry });
    },
    claim(task, now) {
      const e = entries.get(task);
      if (!e || e.usedAt !== undefined) return undefined;
      e.usedAt = now;
      const { usedAt: _u, ...entry } = e;
      return entry;
    },
    release(task) {
      const e = entries.get(task);
      if (e) delete e.usedAt;
    },
    get(task) {
      const e = entries.get(task);
      if (!e || e.usedAt !== undefined) return undefined;
      const { usedAt: _u, ...entry } = e;
      return entry;
    },
    isPending(task) {
      const e = entries.get(task);
      return e !== undefined && e.usedAt === undefined;
    },
  };
}
