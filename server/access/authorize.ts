import { ErrorCode } from '../../shared/protocol/errors.js';
import { SessionError } from '../sessions/session-error.js';
import type { SessionAccess, SessionRecord } from '../storage/storage.js';
import type { CredentialAttempt, CredentialThrottle } from './credential-throttle.js';
import { ownerSecretMatches, verifyPassword } from './credentials.js';
import type { Role } from '../../shared/roles.js';
import type { TokenSigner } from './tokens.js';

/** Credentials a client presents: a token, or what a token is exchanged for. */
export interface Presented {
  token?: string | undefined;
  ownerSecret?: string | undefined;
  password?: string | undefined;
  /** The client's address, for the credential throttle; checks without one share one key. */
  address?: string | undefined;
}

/** A role in a session, and the access epoch it was granted in (a later change revokes it). */
export interface Grant {
  role: Role;
  epoch: number;
  /** When the grant lapses (its token's expiry; never for raw credentials), in ms since the epoch. */
  expiresAt: number;
}

/** The access epoch a role's grants are checked against: bumping it revokes that role's grants. */
export function epochOf(access: SessionAccess, role: Role): number {
  return role === 'interviewer' ? access.ownerEpoch : access.candidateEpoch;
}

/** Whether a session needs a password from candidates. */
export function isPrivate(record: SessionRecord): boolean {
  return record.access.passwordHash !== null;
}

/**
 * Decides what `presented` grants in a session, or throws SessionError (unauthorized, forbidden).
 * A token wins over raw credentials; without any, an ordinary session admits a candidate and a
 * private one admits nobody. Every password and owner-secret check goes through `throttle`
 * (rate_limited, without hashing, when it says wait); tokens are signed and need none. Says
 * nothing about ended sessions: callers decide what an ended session still allows.
 */
export async function authorize(record: SessionRecord, presented: Presented, signer: TokenSigner, throttle?: CredentialThrottle): Promise<Grant> {
  const { access } = record;
  if (presented.token) {
    const claims = signer.verify(presented.token);
    if (!claims) throw new SessionError(ErrorCode.Unauthorized, 'the token is invalid or has expired; get a new one');
    if (claims.sid !== record.id) throw new SessionError(ErrorCode.Forbidden, 'the token is for another session');
    const epoch = epochOf(access, claims.role);
    if (claims.epoch !== epoch) throw new SessionError(ErrorCode.Unauthorized, "the session's access changed; sign in again");
    return { role: claims.role, epoch, expiresAt: claims.exp };
  }
  const address = presented.address ?? 'unknown';
  if (presented.ownerSecret !== undefined) {
    const attempt = throttle?.begin('owner_secret', address, record.id);
    if (!settle(attempt, ownerSecretMatches(presented.ownerSecret, access.ownerSecretHash))) {
      throw new SessionError(ErrorCode.InvalidCredentials, 'the owner secret is not valid for this session');
    }
    return { role: 'interviewer', epoch: epochOf(access, 'interviewer'), expiresAt: Infinity };
  }
  if (access.passwordHash !== null) {
    if (presented.password === undefined) throw new SessionError(ErrorCode.Unauthorized, 'this session is private: a password is required');
    const attempt = throttle?.begin('password', address, record.id);
    if (!settle(attempt, await verifyPassword(presented.password, access.passwordHash))) {
      throw new SessionError(ErrorCode.InvalidCredentials, 'wrong password');
    }
  }
  return { role: 'candidate', epoch: epochOf(access, 'candidate'), expiresAt: Infinity };
}

/** Tells the throttle how a check it let through ended; returns whether the credentials matched. */
function settle(attempt: CredentialAttempt | undefined, matched: boolean): boolean {
  if (matched) attempt?.succeeded();
  else attempt?.failed();
  return matched;
}
