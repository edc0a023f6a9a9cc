/**
 * What a JSONPath-mode expression can see: the state's effective input (`$`), the context object
 * (`$$`) and the variables in scope (`$name`).
 */
export interface Scope {
  input: unknown;
  context: unknown;
  variables: Record<string, unknown>;
}

/** Injected sources of nondeterminism (States.UUID, States.MathRandom without a seed). */
export interface AslEnv {
  newId(): string;
  random(): number;
}
