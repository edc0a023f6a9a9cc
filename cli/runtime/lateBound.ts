/**
 * A port whose implementation is bound after construction: it breaks the cycles of the composition
 * root (the engine's tasks need the bus, the bus starts executions on the engine).
 */
export function lateBound<T extends object>(name: string): { port: T; bind(impl: T): void } {
  let impl: T | undefined;
  const port = new Proxy({} as T, {
    get(_target, prop) {
      if (!impl) throw new Error(`${name} port used before it was bound`);
      const value = (impl as Record<string | symbol, unknown>)[prop];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(impl) : value;
    },
  });
  return {
    port,
    bind(i) {
      impl = i;
    },
  };
}
