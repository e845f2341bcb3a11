import { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/close-codes.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import type { JsonClientMessage, JsonServerMessage } from '../../shared/protocol/json-messages.js';
import { LANGUAGE_KEY } from '../../shared/schema.js';
import { isSessionId } from '../../shared/session-id.js';
import type { Grant } from '../access/authorize.js';
import type { LiveSession } from '../sessions/live-session.js';
import type { SessionError } from '../sessions/session-error.js';
import { RatePolicy } from '../limits/token-bucket.js';
import { Connection, type ConnectionContext } from '../ws/connection.js';
import { safeSend } from '../ws/safe-send.js';
import { JsonRoom, type JsonPeer } from './json-room.js';
import { mergeEdits } from './merge.js';
import { parseClientMessage } from './parse-message.js';

/** What `/ws` connections need from the server; one object shared by all of them. */
export interface JsonContext extends ConnectionContext {
  /** A connection that has not joined within this long is closed. */
  joinTimeoutMs: number;
  maxCodeChars: number;
  /** Characters of `codeChange` a connection may send (CODE_CHARS_PER_SECOND, CODE_CHARS_BURST). */
  codeChars: RatePolicy;
  /** The rate of `codeChars`, for the refusal's message. */
  codeCharsPerSecond: number;
  coalesceMs: number;
}

/**
 * One client of the seed's JSON protocol on `/ws`, adapted onto the session's Y.Doc. It joins by
 * message (`join`), so it goes through the connection pipeline's idle state; a refused join is
 * answered with an `error` and the client may join again.
 *
 * `known` is what this client is taken to hold: the last state sent to it or its own last
 * `codeChange`, whichever came later. A `codeChange` is merged three-way from the version it
 * names, or from `known` when it names none (or one no longer kept).
 */
export class JsonConnection extends Connection<string, JsonContext> implements JsonPeer {
  readonly kind = 'json' as const;
  private joinTimer: NodeJS.Timeout | null;
  private room: JsonRoom | null = null;
  private known: { text: string; version: number } = { text: '', version: -1 };
  /** This client's last `codeChange` and the version it produced. */
  private lastOwn: { text: string; version: number } | null = null;
  private updateTimer: NodeJS.Timeout | null = null;
  private lastUpdateAt = 0;
  /** This connection's bucket of `codeChange` characters under `context.codeChars`. */
  private codeCharBudget = RatePolicy.FULL;

  constructor(ws: WebSocket, context: JsonContext, connId: number, address: string) {
    super(ws, context, connId, '', address);
    this.joinTimer = setTimeout(() => this.close(CloseCode.Unresponsive, 'no join received'), context.joinTimeoutMs);
  }

  /** Refused JSON messages only drop that message (the next codeChange carries the whole code); a flood of 100 in a row is closed. */
  protected override get refusalsBeforeClose(): number {
    return 100;
  }

  protected decode(data: WebSocket.RawData, isBinary: boolean): string | undefined {
    if (isBinary) {
      this.report(ErrorCode.InvalidMessage, 'binary frames are not part of this protocol; send JSON text');
      return undefined;
    }
    return Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as Buffer).toString();
  }

  protected opened(live: LiveSession, grant: Grant): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = null;
    this.room = JsonRoom.of(live);
    const code = live.text.toString();
    this.known = { text: code, version: this.room.version };
    this.lastOwn = null;
    this.lastUpdateAt = Date.now();
    // Others heard of the join from the room; this client learns the count here (then as everyone).
    this.send({
      type: 'init',
      sessionId: live.id,
      code,
      language: live.language,
      participants: live.participants.size,
      version: this.room.version,
      role: grant.role,
      readOnly: live.readOnly,
    });
    this.send({ type: 'participants', count: live.participants.size });
  }

  protected refused(refusal: SessionError): void {
    this.report(refusal.code, refusal.message);
  }

  protected closed(): void {
    if (this.joinTimer) clearTimeout(this.joinTimer);
    this.joinTimer = null;
    if (this.updateTimer) clearTimeout(this.updateTimer);
    this.updateTimer = null;
    this.live = null;
    this.room = null;
  }

  send(message: JsonServerMessage): void {
    const text = JSON.stringify(message);
    if (safeSend(this.ws, text)) this.context.meter?.sent(Buffer.byteLength(text));
  }

  /** Schedules a `codeUpdate`: at once after a quiet period, else at most one per coalescing window. */
  codeChanged(): void {
    if (this.updateTimer) return;
    const wait = this.lastUpdateAt + this.context.coalesceMs - Date.now();
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

  protected handle(raw: string): void {
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) return this.report(parsed.code, parsed.message);
    try {
      this.dispatch(parsed.message);
    } catch (error) {
      this.error({ err: error, type: parsed.message.type }, 'json message failed');
      this.report(ErrorCode.Internal, 'the message could not be applied; nothing changed');
    }
  }

  private dispatch(message: JsonClientMessage): void {
    if (message.type === 'join') {
      if (this.phase !== 'idle') return this.report(ErrorCode.AlreadyJoined, 'this connection has already joined a session');
      if (!isSessionId(message.sessionId)) {
        const shown = JSON.stringify(String(message.sessionId).slice(0, 40));
        return this.report(ErrorCode.InvalidSessionId, `sessionId ${shown} is not a session id (a UUID)`);
      }
      return this.join(message.sessionId, { token: message.token, password: message.password, ownerSecret: message.ownerSecret });
    }
    if (this.phase !== 'joined' || !this.live || !this.room) {
      return this.report(ErrorCode.NotJoined, `send "join" with a sessionId before "${message.type}"`);
    }
    const locked = this.judgeWrite(this.live, 0);
    if (locked) return this.report(locked.code, locked.message);
    if (message.type === 'codeChange') return this.codeChange(message.code, message.version);
    const live = this.live;
    if (live.language !== message.language) {
      live.doc.transact(() => live.meta.set(LANGUAGE_KEY, message.language), this);
    }
  }

  private codeChange(code: string, version: number | undefined): void {
    const live = this.live!;
    const room = this.room!;
    if (code.length > this.context.maxCodeChars) {
      return this.report(ErrorCode.CodeTooLarge, `code has ${code.length} characters; the limit is ${this.context.maxCodeChars}`);
    }
    // Diffing costs time with the text's length: bounded per connection, whatever the diff's own budget.
    const budget = this.context.codeChars.take(this.codeCharBudget, code.length);
    if (budget < 0) {
      return this.report(ErrorCode.RateLimited, `too much code too fast (over ${this.context.codeCharsPerSecond} characters a second); nothing changed`);
    }
    this.codeCharBudget = budget;
    const base = this.baseFor(version);
    const current = live.text.toString();
    const edits = mergeEdits(base, current, code);
    const inserted = edits.reduce((sum, edit) => sum + Buffer.byteLength(edit.insert), 0);
    const refusal = inserted > 0 ? this.judgeWrite(live, inserted) : null;
    if (refusal) return this.report(refusal.code, refusal.message);
    if (edits.length > 0) {
      const started = performance.now();
      live.doc.transact(() => {
        for (const edit of edits) {
          if (edit.deleteCount > 0) live.text.delete(edit.index, edit.deleteCount);
          if (edit.insert) live.text.insert(edit.index, edit.insert);
        }
      }, this);
      this.context.meter?.fanout.observe((performance.now() - started) / 1000);
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

  /** Tells the client why its message changed nothing. */
  protected report(code: ErrorCode, message: string): void {
    this.context.metrics?.errors.inc({ kind: code });
    this.send({ type: 'error', code, message });
  }
}
