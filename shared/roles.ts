/**
 * The roles of a session. The server grants one to every token and connection and stamps it into
 * awareness; clients only show it. Declared here once because tokens, REST bodies, the `/ws`
 * `init` message and awareness entries all carry it.
 */

/** Every role, most privileged first: the interviewer holds the owner secret, everyone else is a candidate. */
export const ROLES = ['interviewer', 'candidate'] as const;

/** One of `ROLES`. */
export type Role = (typeof ROLES)[number];

/** Whether `value` is one of `ROLES` (exact, case-sensitive match). */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** How each role reads in the page (the participant list, the runs). */
export const ROLE_LABELS: Record<Role, string> = { interviewer: 'Interviewer', candidate: 'Candidate' };
