import { WebSocket } from 'ws';
import { isSessionId } from '../../shared/session-id.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import type { JsonClientMessage, JsonServerMessage } from '../../shared/protocol/json-messages.js';
import { LANGUAGE_KEY } from '../../shared/schema.js';
import type { AccessService } from '../access/access-service.js';
import type { Presented } from '../access/authorize.js';
import type { Role } from '../access/tokens.js';
import { RateGuard, TokenBucket } from '../limits/token-bucket.js';
import type { ConnectionLogger } from '../logger.js';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import type { Metrics, ProtocolMeter } from '../observability/metrics.js';
import type { LiveSession, Participant } from '../sessions/live-session.js';
import type { SessionHub } from '../sessions/session-hub.js';
import { SessionError } from '../sessions/session-error.js';
import { closeWith, safeSend } from '../ws/safe-send.js';
import { JsonRoom, type JsonPeer } from './json-room.js';
import { mergeEdits } from './merge.js';
import { parseClientMessage } from './parse-message.js';

/** Options of a JSON-protocol connection. */
export interface JsonConnectionOptions {
  hub: SessionHub;
  access: AccessService;
  messagesPerSecond: number;
  messageBurst: number;
  /** A connection that has not joined within this long is closed. */
  joinTimeoutMs: number;
  logger: ConnectionLogger;
  maxCodeChars: number;
  /** Characters of `codeChange` this connection may send per second, and in a burst. */
  codeCharRate: { perSecond: number; burst: number };
  /** The client's address, for the credential throttle. */
  address: string;
  coalesceMs: number;
  metrics?: Metrics;
}

/** Frames a client may send while its join is being answered. */
const MAX_QUEUED_WHILE_JOINING = 128;

/**
 * One client of the seed's JSON protocol on `/ws`, adapted onto the session's Y.Doc.
 *
 *   idle ──join──► joining ──(loaded)──► joined ──close──► gone
 *    ▲               │ other frames queue    │ codeChange / languageChange
 *    └──(refused: error sent, may join again)┘
 *
 * `known` is what this client is taken to hold: the last state sent to it or its own last
 * `codeChange`, whichever came later. A `codeChange` is merged three-way from the version it
 * names, or from `known` when it names none (or one no longer kept).
 */
export class JsonConnection implements Participant, JsonPeer {
  readonly kind = 'json' as const;
  role: Role = 'candidate';
  epoch = 0;
  private readonly rate: RateGuard;
  private readonly codeChars: TokenBucket;
  private readonly meter: ProtocolMeter | undefined;
  private joinTimer: NodeJS.Timeout | null;
  private state: 'idle' | 'joining' | 'joined' = 'idle';
  private live: LiveSession | null = null;
  private room: JsonRoom | null = null;
  private known: { text: string; version: number } = { text: '', version: -1 };
  /** This client's last `codeChange` and the version it produced. */
  private lastOwn: { text: string; version: number } | null = null;
  private queued: string[] = [];
  private updateTimer: NodeJS.Timeout | null = null;
  private lastUpdateAt = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: JsonConnectionOptions,
  ) {
    // Refused JSON messages only drop that message (the next codeChange carries the whole code);
    // a flood that goes on for 100 refusals in a row is closed.
    this.rate = new RateGuard(options.messagesPerSecond, options.messageBurst, 100);
    this.codeChars = new TokenBucket(options.codeCharRate.perSecond, options.codeCharRate.burst);
    this.meter = options.metrics?.meter('json');
    this.joinTimer = setTimeout(() => closeWith(ws, CloseCode.Unresponsive, 'no join received'), options.joinTimeoutMs);
    ws.on('message', (data, isBinary) => {
      this.meter?.received(Array.isArray(data) ? data.reduce((n, part) => n + part.length, 0) : data.byteLength);
      const verdict = this.rate.check();
      if (verdict === 'close') return closeWith(ws, CloseCode.TooMany, 'too many messages; slow down');
      if (verdict === 'refuse') return this.error(ErrorCode.RateLimited, 'too many messages; this one was dropped');
      if (isBinary) return this.error(ErrorCode.InvalidMessage, 'binary frames are not part of this protocol; send JSON text');
      const text = Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as Buffer).toString();
      if (this.state === 'joining') {
        if (this.queued.length >= MAX_QUEUED_WHILE_JOINING) return closeWith(ws, 4400, 'too many messages before init');
        this.queued.push(text);
        return;
      }
      this.receive(text);
    });
    ws.on('close', () => this.dispose());
  }

  send(message: JsonServerMessage): void {
    const text = JSON.stringify(message);
    if (safeSend(this.ws, text)) this.meter?.sent(Buffer.byteLength(text));
  }

  close(code: number, reason: string): void {
    closeWith(this.ws, code, reason);
  }

  /** Schedules a `codeUpdate`: at once after a quiet period, else at most one per coalescing window. */
  codeChanged(): void {
    if (this.updateTimer) return;
    const wait = this.lastUpdateAt + this.options.coalesceMs - Date.now();
    if (wait <= 0) return this.sendCodeUpdate();
    this.updateTimer = setTimeout(() => {
      this.updateTimer = null;
      this.sendCodeUpdate();
    }, wait);
  }

  private sendCodeUpdate(): void {
    if (!this.live || !this.room) return;
    this.lastUpdateAt = Date.now();
    const version = this.room.version;
    if (this.known.version === version) return;
    const code = this.live.text.toString();
    this.known = { text: code, version };
    this.send({ type: 'codeUpdate', code, version });
  }

  private receive(raw: string): void {
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) return this.error(parsed.code, parsed.message);
    try {
      this.dispatch(parsed.message);
    } catch (error) {
      this.options.logger.error({ err: error, type: parsed.message.type }, 'json message failed');
      this.error(ErrorCode.Internal, 'the message could not be applied; nothing changed');
    }
  }

  private dispatch(message: JsonClientMessage): void {
    if (message.type === 'join') {
      if (this.state !== 'idle') return this.error(ErrorCode.AlreadyJoined, 'this connection has already joined a session');
      return this.join(message.sessionId, { token: message.token, password: message.password, ownerSecret: message.ownerSecret, address: this.options.address });
    }
    if (this.state !== 'joined' || !this.live || !this.room) {
      return this.error(ErrorCode.NotJoined, `send "join" with a sessionId before "${message.type}"`);
    }
    if (this.role === 'candidate' && this.live.record.access.readOnly) {
      return this.error(ErrorCode.ReadOnly, 'the interviewer has locked the editor; nothing changed');
    }
    if (message.type === 'codeChange') return this.codeChange(message.code, message.version);
    const live = this.live;
    if (live.language !== message.language) {
      live.doc.transact(() => live.meta.set(LANGUAGE_KEY, message.language), this);
    }
  }

  private join(sessionId: string, presented: Presented): void {
    if (!isSessionId(sessionId)) {
      return this.error(ErrorCode.InvalidSessionId, `sessionId ${JSON.stringify(String(sessionId).slice(0, 40))} is not a session id (a UUID)`);
    }
    this.state = 'joining';
    this.options.access.admit(sessionId, presented).then(
      ({ live, grant }) => {
        if (this.ws.readyState !== WebSocket.OPEN) return;
        if (this.joinTimer) clearTimeout(this.joinTimer);
        this.joinTimer = null;
        this.role = grant.role;
        this.epoch = grant.epoch;
        this.live = live;
        this.room = JsonRoom.of(live);
        this.state = 'joined';
        // Others hear of the join first; this client learns the count from init (then as everyone).
        this.options.hub.join(live, this);
        this.room.peers.add(this);
        const code = live.text.toString();
        this.known = { text: code, version: this.room.version };
        this.lastOwn = null;
        this.lastUpdateAt = Date.now();
        this.send({
          type: 'init',
          sessionId,
          code,
          language: live.language,
          participants: live.participants.size,
          version: this.room.version,
          role: grant.role,
          readOnly: live.record.access.readOnly,
        });
        this.send({ type: 'participants', count: live.participants.size });
        this.drain();
      },
      (error: unknown) => {
        this.state = 'idle';
        if (error instanceof SessionError) this.error(error.code, error.message);
        else {
          this.options.logger.error({ err: error, sessionId }, 'join failed');
          this.error(ErrorCode.Unavailable, 'the session could not be opened; try again');
        }
        this.drain();
      },
    );
  }

  private drain(): void {
    for (const raw of this.queued.splice(0)) {
      if (this.state === 'joining') this.queued.push(raw);
      else this.receive(raw);
    }
  }

  private codeChange(code: string, version: number | undefined): void {
    const live = this.live!;
    const room = this.room!;
    if (code.length > this.options.maxCodeChars) {
      return this.error(ErrorCode.CodeTooLarge, `code has ${code.length} characters; the limit is ${this.options.maxCodeChars}`);
    }
    if (!this.codeChars.take(code.length)) {
      return this.error(ErrorCode.RateLimited, `too much code too fast (over ${this.options.codeCharRate.perSecond} characters a second); nothing changed`);
    }
    const base = this.baseFor(version);
    const current = live.text.toString();
    const edits = mergeEdits(base, current, code);
    const inserted = edits.reduce((sum, edit) => sum + Buffer.byteLength(edit.insert), 0);
    if (inserted > 0 && !this.options.hub.fits(live, inserted)) {
      return this.error(ErrorCode.DocumentTooLarge, `the document would exceed ${this.options.hub.maxDocumentBytes} bytes; nothing changed`);
    }
    if (edits.length > 0) {
      const started = performance.now();
      live.doc.transact(() => {
        for (const edit of edits) {
          if (edit.deleteCount > 0) live.text.delete(edit.index, edit.deleteCount);
          if (edit.insert) live.text.insert(edit.index, edit.insert);
        }
      }, this);
      this.meter?.fanout.observe((performance.now() - started) / 1000);
    }
    const merged = live.text.toString();
    const produced = merged === code ? room.version : room.remember(code);
    this.known = { text: code, version: produced };
    this.lastOwn = { text: code, version: produced };
    this.send({ type: 'codeAck', version: produced });
    // Others' edits survived the merge: this client must see them too.
    if (merged !== code) this.codeChanged();
  }

  /**
   * The text a `codeChange` was composed on. A named version the client saw before its own last
   * change is stale for this purpose: the client typed on top of that change (a burst sent
   * without waiting for acks), so its own last text is the base. Versions only grow, which is
   * what makes the comparison possible.
   */
  private baseFor(version: number | undefined): string {
    if (version === undefined) return this.known.text;
    if (this.lastOwn && version < this.lastOwn.version) return this.lastOwn.text;
    return this.room?.textAt(version) ?? this.known.text;
  }

  private error(code: ErrorCode, message: string): void {
    this.options.metrics?.errors.inc({ kind: code });
    this.send({ type: 'error', code, message });
  }

  private dispose(): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = null;
    if (this.updateTimer) clearTimeout(this.updateTimer);
    this.updateTimer = null;
    this.queued = [];
    if (this.live && this.room) {
      this.room.peers.delete(this);
      this.options.hub.leave(this.live, this);
    }
    this.live = null;
    this.room = null;
  }
}
