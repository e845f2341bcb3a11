import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRole, type Role } from '../../shared/roles.js';

/** What a token grants: a role in one session, at the access epoch it was issued in, until `exp`. */
export interface TokenClaims {
  sid: string;
  role: Role;
  /** The session's candidateEpoch or ownerEpoch (per role) when the token was issued. */
  epoch: number;
  /** Expiry, in ms since the epoch. */
  exp: number;
}

/**
 * Signs and verifies access tokens: `base64url(JSON claims).base64url(HMAC-SHA256)`, keyed with
 * the server secret, so any instance sharing the secret accepts them and nobody can forge one.
 */
export class TokenSigner {
  constructor(
    private readonly secret: Buffer,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Issues a token for `role` in session `sid` at access `epoch`. */
  issue(sid: string, role: Role, epoch: number): { token: string; claims: TokenClaims } {
    const claims: TokenClaims = { sid, role, epoch, exp: this.now() + this.ttlMs };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${body}.${this.mac(body)}`, claims };
  }

  /** The claims of a genuine, unexpired token, or null (bad format, bad signature, expired). */
  verify(token: string): TokenClaims | null {
    if (token.length > 1024) return null;
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return null;
    // The signature's text is compared, not its decoded bytes: base64url decoding skips junk, so
    // a signature with characters appended would otherwise still verify.
    const expected = Buffer.from(this.mac(body));
    const presented = Buffer.from(signature);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return null;
    }
    if (typeof claims.exp !== 'number' || claims.exp <= this.now()) return null;
    if (!isRole(claims.role)) return null;
    return claims;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
