/** Supplies the Authorization header for one FHIR server. */
export interface AuthProvider {
  /** The header value, or undefined for an unauthenticated server. */
  authorization(): Promise<string | undefined>;
  /** Forget a cached token (after a 401); true when a retry with a fresh token makes sense. */
  invalidate(): boolean;
}

export const noAuth: AuthProvider = { authorization: async () => undefined, invalidate: () => false };

export function staticBearer(token: string): AuthProvider {
  return { authorization: async () => `Bearer ${token}`, invalidate: () => false };
}
