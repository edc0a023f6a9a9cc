import type { FhirServerConfig } from '../../../schemas/fhirServerConfig';
import { noAuth, staticBearer, type AuthProvider } from './authProvider';
import { smartBackendAuth } from './smartBackendAuth';

export function createAuthProvider(server: FhirServerConfig, now?: () => number): AuthProvider {
  const auth = server.auth;
  switch (auth.type) {
    case 'none':
      return noAuth;
    case 'bearer':
      return staticBearer(auth.token);
    case 'smart-backend':
      return smartBackendAuth(auth, { baseUrl: server.baseUrl, timeoutMs: server.timeoutMs, ...(now ? { now } : {}) });
  }
}
