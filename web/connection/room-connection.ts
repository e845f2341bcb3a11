/**
 * A ReactiveController that owns one session's Y.Doc, its y-websocket provider and awareness, and
 * turns their events into a `ConnectionStatus` and a member list for the host element.
 * The host calls `open()` when its `server` or `session` changes; the controller closes itself
 * when the host leaves the DOM and reopens the same room when it comes back. A new token does not
 * reopen a live room (the socket presented the old one when it opened, which is all the server
 * checks); it is used from the next connection on, and reconnects a room the server refused.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import type { Role } from '../../shared/roles.js';
import { STATUS_MESSAGES, isTerminalClose, terminalStatus, type ConnectionStatus } from './connection-status.js';
import { colorFor, readRoomMembers, type RoomMember } from './room-members.js';

/** One open room: the shared document and its provider. Replaced wholesale when the session changes. */
export interface Room {
  readonly sessionId: string;
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
}

/** Callbacks the host receives; each fires only on an actual change. */
export interface RoomConnectionCallbacks {
  /** A new room was opened (`room`) or the current one closed (`null`). */
  onRoom(room: Room | null): void;
  onStatus(status: ConnectionStatus): void;
  onMembers(members: readonly RoomMember[]): void;
  /** The server closed the socket with a refusal code (4401, 4411, ...), after `onStatus` reported it. */
  onRefused(code: number): void;
}

/** The y-websocket endpoint for a server base URL: `https://x` → `wss://x/yjs`. */
export function yjsEndpoint(serverBase: string): string {
  const url = new URL(serverBase, globalThis.location?.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = url.pathname.replace(/\/+$/, '') + '/yjs';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** Longest wait between reconnection attempts; y-websocket backs off exponentially up to this. */
const MAX_BACKOFF_MS = 5000;

/** Provider lifecycle and connection status for `<interview-room>`. */
export class RoomConnection implements ReactiveController {
  /** The open room, if any. */
  room: Room | null = null;
  /** The current status (what the indicator shows). */
  status: ConnectionStatus = { state: 'connecting', message: STATUS_MESSAGES.connecting };
  /** The people in the room now, local user first. */
  members: readonly RoomMember[] = [];

  private target: { server: string; sessionId: string } | null = null;
  private token = '';
  private name = 'Anonymous';
  private role: Role | null = null;
  private everConnected = false;
  private teardown: Array<() => void> = [];

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly callbacks: RoomConnectionCallbacks,
  ) {
    host.addController(this);
  }

  /** Reopens the last room when the element is put back into the DOM. */
  hostConnected(): void {
    if (this.target && !this.room) this.start();
  }

  /** Closes the socket and frees timers when the element leaves the DOM. */
  hostDisconnected(): void {
    this.stop();
  }

  /** Connects to `sessionId` on `server`, closing any previous room first. */
  open(server: string, sessionId: string): void {
    if (this.target?.server === server && this.target.sessionId === sessionId && this.room) return;
    this.stop();
    this.target = { server, sessionId };
    this.start();
  }

  /** Closes the current room and forgets it. */
  close(): void {
    this.stop();
    this.target = null;
  }

  /** Publishes the local user's display name and role to the other participants. */
  setUser(name: string, role: Role | null): void {
    this.name = name;
    this.role = role;
    const awareness = this.room?.provider.awareness;
    if (!awareness) return;
    awareness.setLocalStateField('user', { name, color: colorFor(awareness.clientID), ...(role ? { role } : {}) });
  }

  /**
   * Sets the access token sent as `?token=` from the next connection on. After a 4401/4403 refusal
   * (the page signed in again) a changed token reconnects at once, keeping the local document.
   */
  setToken(token: string): void {
    if (token === this.token) return;
    this.token = token;
    const provider = this.room?.provider;
    if (!provider) return;
    provider.params = token ? { token } : {};
    const code = this.status.closeCode;
    // Even to '': the password was removed, so the open session needs no token any more.
    if (code === CloseCode.Unauthorized || code === CloseCode.Forbidden) this.reconnect();
  }

  /** Tries again after a refusal the page can fix (4401 with a new token, 4429 after a pause). */
  reconnect(): void {
    const provider = this.room?.provider;
    if (!provider || provider.wsconnected || provider.ws) return;
    this.setStatus({ state: 'connecting', message: STATUS_MESSAGES.connecting });
    provider.connect();
  }

  private start(): void {
    const target = this.target;
    if (!target) return;
    let endpoint: string;
    try {
      endpoint = yjsEndpoint(target.server);
    } catch {
      this.setStatus({ state: 'offline', message: `The server address ${JSON.stringify(target.server)} is not a valid URL.` });
      return;
    }
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(endpoint, target.sessionId, doc, {
      maxBackoffTime: MAX_BACKOFF_MS,
      // Several tabs of one browser must each talk to the server; BroadcastChannel would let a tab
      // look "synced" without a socket, which hides a dead connection from the status indicator.
      disableBc: true,
      shouldReconnect: (event) => !isTerminalClose(event.code),
      // The token rides in the query string because browsers cannot set WebSocket headers; it is
      // short-lived and signed, and the password or owner secret never goes in a URL.
      params: this.token ? { token: this.token } : {},
    });
    this.room = { sessionId: target.sessionId, doc, provider };
    this.everConnected = false;
    this.setStatus({ state: 'connecting', message: STATUS_MESSAGES.connecting });
    this.setUser(this.name, this.role);

    const onSync = (synced: boolean): void => {
      // "connected" only once the first sync round-trip is done: the server accepts a socket for an
      // unknown session and closes it right after, which must not flash a green indicator.
      if (synced) {
        this.everConnected = true;
        this.setStatus({ state: 'connected', message: STATUS_MESSAGES.connected });
      }
    };
    const onClose = (event: CloseEvent | null): void => {
      if (event && isTerminalClose(event.code)) return; // `closed` below reports it
      this.showDisconnected();
    };
    const onClosed = (event: { code: number }): void => {
      this.setStatus(terminalStatus(event.code));
      // After the status, so a handler that answers with a new token at once reconnects.
      this.callbacks.onRefused(event.code);
    };
    const onAwareness = (): void => this.setMembers(readRoomMembers(provider.awareness));
    const onNetwork = (): void => {
      if (this.status.state !== 'connected' && !this.status.closeCode) this.showDisconnected();
    };
    provider.on('sync', onSync);
    provider.on('connection-close', onClose);
    provider.on('closed', onClosed);
    provider.awareness.on('change', onAwareness);
    globalThis.addEventListener?.('offline', onNetwork);
    globalThis.addEventListener?.('online', onNetwork);
    this.teardown = [
      () => globalThis.removeEventListener?.('offline', onNetwork),
      () => globalThis.removeEventListener?.('online', onNetwork),
    ];
    onAwareness();
    this.callbacks.onRoom(this.room);
  }

  private showDisconnected(): void {
    if (globalThis.navigator && !navigator.onLine) {
      this.setStatus({ state: 'offline', message: STATUS_MESSAGES.offline });
    } else if (this.everConnected) {
      this.setStatus({ state: 'reconnecting', message: STATUS_MESSAGES.reconnecting });
    } else {
      this.setStatus({ state: 'connecting', message: `${STATUS_MESSAGES.connecting} (the server is not answering yet)` });
    }
  }

  private stop(): void {
    for (const undo of this.teardown) undo();
    this.teardown = [];
    const room = this.room;
    if (!room) return;
    this.room = null;
    this.callbacks.onRoom(null);
    // destroy() also removes our awareness state on the server, so others see us leave at once.
    room.provider.destroy();
    room.doc.destroy();
    this.setMembers([]);
  }

  private setStatus(status: ConnectionStatus): void {
    const same = status.state === this.status.state && status.message === this.status.message && status.closeCode === this.status.closeCode;
    if (same) return;
    this.status = status;
    this.callbacks.onStatus(status);
    this.host.requestUpdate();
  }

  private setMembers(members: readonly RoomMember[]): void {
    const key = (list: readonly RoomMember[]): string => JSON.stringify(list);
    if (key(members) === key(this.members)) return;
    this.members = members;
    this.callbacks.onMembers(members);
    this.host.requestUpdate();
  }
}
