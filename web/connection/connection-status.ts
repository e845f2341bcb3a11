/**
 * What the room's connection indicator shows, and how a WebSocket close turns into it.
 *
 *   connecting ──open──▶ connected ──drop──▶ reconnecting ──open──▶ connected
 *        │                                        │
 *        └──────── 4404 / 4410 / 4400 ────────────┴──▶ offline (no more retries)
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

/** The status shown after the server refused the session with `code`. */
export function terminalStatus(code: number): ConnectionStatus {
  const message =
    code === CloseCode.SessionNotFound
      ? 'This session does not exist. Check the link, or create a new session.'
      : code === CloseCode.SessionExpired
        ? 'This session has expired. Create a new session to keep going.'
        : `The server refused this session (code ${code}).`;
  return { state: 'offline', message, closeCode: code };
}

/** Default sentences for the non-terminal states. */
export const STATUS_MESSAGES: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Connection lost, reconnecting… Your edits are kept and will sync.',
  offline: 'You are offline. Your edits are kept and will sync when the network returns.',
};
