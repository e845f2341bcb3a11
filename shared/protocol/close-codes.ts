/**
 * WebSocket close codes the server uses on `/yjs` and `/ws`. Application codes live in the
 * 4000-4999 range reserved by RFC 6455 and mirror the matching HTTP status (4404 ~ 404), so a
 * client can tell "retry later" (1012, 1013) from "this will never work" (4400, 4404).
 */
export const CloseCode = {
  /** Server shutting down or restarting: reconnect at once (RFC 6455 "Service Restart"). */
  ServiceRestart: 1012,
  /** Server cannot serve the session right now (storage failure): retry with backoff. */
  TryAgainLater: 1013,
  /** The client sent something that is not valid for the protocol. */
  BadRequest: 4400,
  /** No valid credentials for a private session, or access changed (password, owner secret). */
  Unauthorized: 4401,
  /** Credentials that do not grant this (a token for another session). */
  Forbidden: 4403,
  /** The session does not exist (or the id is malformed). */
  SessionNotFound: 4404,
  /** The session existed but has expired. */
  SessionExpired: 4410,
  /** A frame exceeded the configured size limit. */
  MessageTooLarge: 4413,
  /** The client stopped answering pings, never joined, or could not keep up with its outgoing queue. */
  Unresponsive: 4408,
  /** The interviewer ended the session. */
  SessionEnded: 4411,
  /** A limit: session full, too many connections from one address, too many messages. */
  TooMany: 4429,
} as const;

/** One of the close codes above. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
