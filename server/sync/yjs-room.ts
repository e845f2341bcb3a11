import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { YjsMessageType } from '../../shared/protocol/yjs-messages.js';
import type { Attachment, LiveSession } from '../sessions/live-session.js';
import { SmallSet } from '../util/small-set.js';

/** A y-websocket peer of a room: what the room needs to fan messages out to it. */
export interface YjsPeer {
  /** The one awareness client id this peer may set (the first it claimed), if any. */
  readonly awarenessId: number | null;
  /** Whether the awareness holds a state this peer set; withdrawn when it leaves. */
  holdsAwareness: boolean;
  /** While this peer's awareness update is applied: the frame to relay for it, as received. */
  readonly awarenessFrame: Uint8Array | null;
  send(message: Uint8Array): void;
}

/** A y-websocket awareness message carrying `update`. */
export function awarenessFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YjsMessageType.Awareness);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/**
 * The y-websocket side of one live session: fans each document update and awareness change out
 * to every Yjs peer except the one it came from, encoding each message once for all receivers.
 */
export class YjsRoom implements Attachment {
  readonly peers = new SmallSet<YjsPeer>();

  constructor(private readonly live: LiveSession) {
    live.doc.on('update', this.onUpdate);
    live.awareness.on('update', this.onAwareness);
  }

  /** The attachment for `live`, created on first use. */
  static of(live: LiveSession): YjsRoom {
    return live.attachment('yjs', () => new YjsRoom(live));
  }

  destroy(): void {
    this.live.doc.off('update', this.onUpdate);
    this.live.awareness.off('update', this.onAwareness);
    this.peers.clear();
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (this.peers.size === 0) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YjsMessageType.Sync);
    syncProtocol.writeUpdate(encoder, update);
    this.broadcast(encoding.toUint8Array(encoder), origin);
  };

  private readonly onAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const peer = this.peers.has(origin as YjsPeer) ? (origin as YjsPeer) : null;
    if (peer) {
      if (added.length > 0) peer.holdsAwareness = true;
      if (removed.length > 0) peer.holdsAwareness = false;
    }
    // Nobody else to tell: skip the encoding.
    if (this.peers.size === (peer ? 1 : 0)) return;
    const frame = peer?.awarenessFrame ?? awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.live.awareness, added.concat(updated, removed)));
    this.broadcast(frame, origin);
  };

  private broadcast(message: Uint8Array, except: unknown): void {
    for (const peer of this.peers) if (peer !== except) peer.send(message);
  }
}
