/**
 * The details of the two events most histories are made of. Classes rather than object literals so
 * the journal's encoder can tell their shape with one `instanceof` instead of enumerating keys;
 * they serialise and compare like the plain objects they stand for.
 */
export class StateEnteredDetails {
  [key: string]: unknown;
  /** Private, so not serialised or compared: see stateDefinition(). */
  readonly #state: object | undefined;

  constructor(
    readonly name: string,
    /** Compact JSON, as AWS records it. */
    readonly input: string,
    state?: object,
  ) {
    this.#state = state;
  }

  /** The definition object of the state entered: lets the journal cache per-state data (its name's number). */
  stateDefinition(): object | undefined {
    return this.#state;
  }
}

export class StateExitedDetails {
  [key: string]: unknown;
  constructor(
    readonly name: string,
    /** Compact JSON, as AWS records it. */
    readonly output: string,
  ) {}
}
