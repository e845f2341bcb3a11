/**
 * What the room's connection indicator shows, and how a WebSocket close turns into it.
 *
 *   connecting ──open──▶ connected ──drop──▶ reconnecting ──open──▶ connected
 *        │                                        │
 *        └──── 4401 / 4403 / 4404 / 4410 / 4411 / 4429 ─┴──▶ offline (no more retries)
 *
 * 4401 (sign-in required) and 4429 (a limit) are offline until the page acts: it gives the element
 * a new token, or calls `reconnect()`; the others are final.
 *
 * The browser going offline (`navigator.onLine` false) also shows `offline`, but the provider keeps
 * retrying so the room comes back by itself when the network does.
 */
import { CloseCode } from '../../shared/protocol/close-codes.js';

/** The four states of the status indicator (the `data-state` of the `status` part). */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The status indicator's state with the sentence shown next to it. */
export interface ConnectionStatus {
  state: ConnectionState;
  /** Human-readable explanation, shown in the indicator. */
  message: string;
  /** The server's close code when it refused the session for good (4404, 4410, ...). */
  closeCode?: number;
}

/** Whether a server close code means "this session will never work": retrying is pointless. */
export function isTerminalClose(code: number): boolean {
  return code >= 4400 && code < 4500;
}

/** The sentence shown for each close code the server uses to refuse a session. */
const REFUSALS: Record<number, string> = {
  [CloseCode.Unauthorized]: 'Sign-in required: access to this session changed. Sign in again to continue.',
  [CloseCode.Forbidden]: 'This link does not give access to this session.',
  [CloseCode.SessionNotFound]: 'This session does not exist. Check the link, or create a new session.',
  [CloseCode.SessionExpired]: 'This session has expired. Create a new session to keep going.',
  [CloseCode.SessionEnded]: 'This session was ended by the interviewer.',
  [CloseCode.TooMany]: 'Too many connections: the session is full, or too many are open from your address. Try again in a moment.',
};

/** The status shown after the server refused the session with `code`. */
export function terminalStatus(code: number): ConnectionStatus {
  const message = REFUSALS[code] ?? `The server refused this session (code ${code}).`;
  return { state: 'offline', message, closeCode: code };
}

/** Default sentences for the non-terminal states. */
export const STATUS_MESSAGES: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Connection lost, reconnecting… Your edits are kept and will sync.',
  offline: 'You are offline. Your edits are kept and will sync when the network returns.',
};
