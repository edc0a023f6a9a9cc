import { randomBytes } from 'node:crypto';
import { decodeJwt, importJWK, jwtVerify, type JWK } from 'jose';

export interface SmartClientRegistration {
  clientId: string;
  /** Registered public key (JWK with alg RS384 or ES384). */
  publicJwk: JWK;
  scope?: string;
}

export interface TokenResult {
  status: number;
  body: Record<string, unknown>;
}

/**
 * A tiny SMART Backend Services authorization server: verifies the client assertion (signature with
 * the registered key, iss = sub = client_id, aud = this endpoint, exp ≤ 5 min ahead, jti never
 * reused) and issues short-lived opaque bearer tokens.
 */
export class SmartTokenEndpoint {
  private readonly issued = new Map<string, number>();
  private readonly seenJti = new Set<string>();
  /** How many tokens were issued (tests assert refresh behaviour with it). */
  issuedCount = 0;
  /** Claims of every accepted client assertion (no secrets: the JWT itself is not kept). */
  readonly assertions: { alg: string; jti: string; iat: number | undefined; exp: number }[] = [];

  constructor(
    public tokenUrl: string,
    private readonly clients: SmartClientRegistration[],
    private readonly tokenLifetimeSeconds: number,
    private readonly now: () => number,
  ) {}

  isValid(token: string): boolean {
    const exp = this.issued.get(token);
    return exp !== undefined && this.now() < exp;
  }

  /** Forget every issued token: the next request with one gets 401 invalid_token. */
  expireAll(): void {
    this.issued.clear();
  }

  async handle(form: URLSearchParams): Promise<TokenResult> {
    const fail = (error: string, description: string, status = 400): TokenResult => ({ status, body: { error, error_description: description } });
    if (form.get('grant_type') !== 'client_credentials') return fail('unsupported_grant_type', 'only client_credentials');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return fail('invalid_request', 'client_assertion_type');
    const assertion = form.get('client_assertion');
    if (!assertion) return fail('invalid_request', 'client_assertion missing');
    let clientId: string | undefined;
    try {
      clientId = decodeJwt(assertion).iss;
    } catch {
      return fail('invalid_client', 'malformed assertion', 401);
    }
    const client = this.clients.find((c) => c.clientId === clientId);
    if (!client) return fail('invalid_client', 'unknown client', 401);
    try {
      const alg = client.publicJwk.alg ?? 'RS384';
      const key = await importJWK(client.publicJwk, alg);
      const { payload, protectedHeader } = await jwtVerify(assertion, key, {
        algorithms: ['RS384', 'ES384'],
        issuer: client.clientId,
        subject: client.clientId,
        audience: this.tokenUrl,
        currentDate: new Date(this.now()),
      });
      const nowSec = Math.floor(this.now() / 1000);
      if (typeof payload.exp !== 'number' || payload.exp > nowSec + 300) return fail('invalid_client', 'exp must be at most 5 minutes ahead', 401);
      if (typeof payload.jti !== 'string' || this.seenJti.has(payload.jti)) return fail('invalid_client', 'jti missing or reused', 401);
      this.seenJti.add(payload.jti);
      this.assertions.push({ alg: protectedHeader.alg, jti: payload.jti, iat: payload.iat, exp: payload.exp });
    } catch {
      return fail('invalid_client', 'assertion verification failed', 401);
    }
    const token = randomBytes(24).toString('base64url');
    this.issued.set(token, this.now() + this.tokenLifetimeSeconds * 1000);
    this.issuedCount++;
    return {
      status: 200,
      body: { access_token: token, token_type: 'bearer', expires_in: this.tokenLifetimeSeconds, scope: form.get('scope') ?? client.scope ?? 'system/*.rs' },
    };
  }
}
