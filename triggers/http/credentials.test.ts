import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpProblem } from './httpProblem';
import { bearerTokenOf, constantTimeEqual, requireBearer, requireHmacSignature } from './credentials';

const req = (headers: Record<string, string>) => ({ headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) }) as unknown as IncomingMessage;
const statusOf = (fn: () => void): number | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof HttpProblem ? e.status : -1;
  }
};

describe('credentials', () => {
  it('compares strings of any length in constant time', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
  it('reads a bearer token case-insensitively on the scheme', () => {
    expect(bearerTokenOf(req({ Authorization: 'bearer t-1' }))).toBe('t-1');
    expect(bearerTokenOf(req({ Authorization: 'Basic dXNlcg==' }))).toBeUndefined();
  });
  it('accepts any of the expected tokens and refuses a missing or wrong one with 401', () => {
    expect(statusOf(() => requireBearer(req({ Authorization: 'Bearer t-2' }), ['t-1', 't-2']))).toBeUndefined();
    expect(statusOf(() => requireBearer(req({}), ['t-1']))).toBe(401);
    expect(statusOf(() => requireBearer(req({ Authorization: 'Bearer t-10' }), ['t-1']))).toBe(401);
  });
  it('verifies the hex HMAC-SHA256 of the raw body bytes', () => {
    const body = Buffer.from('{"resourceType":"Patient","id":"p"}');
    const sig = createHmac('sha256', 'secret-1').update(body).digest('hex');
    expect(statusOf(() => requireHmacSignature(req({ 'X-Signature': sig }), body, 'secret-1'))).toBeUndefined();
    expect(statusOf(() => requireHmacSignature(req({ 'X-Signature': sig.toUpperCase() }), body, 'secret-1'))).toBeUndefined();
    expect(statusOf(() => requireHmacSignature(req({ 'X-Signature': sig }), body, 'secret-2'))).toBe(401);
    expect(statusOf(() => requireHmacSignature(req({ 'X-Signature': sig }), Buffer.concat([body, Buffer.from(' ')]), 'secret-1'))).toBe(401);
    expect(statusOf(() => requireHmacSignature(req({}), body, 'secret-1'))).toBe(401);
  });
});
