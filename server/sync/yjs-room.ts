import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { YjsMessageType } from '../../shared/protocol/yjs-messages.js';
import { isParticipant, type Attachment, type LiveSession, type Participant } from '../sessions/live-session.js';

/** A y-websocket peer of a room: what the room needs to fan messages out to it. */
export interface YjsPeer extends Participant {
  readonly kind: 'yjs';
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

/** Whether a session's participant speaks y-websocket. */
function speaksYjs(participant: Participant): participant is YjsPeer {
  return participant.kind === 'yjs';
}

/**
 * The y-websocket side of one live session: fans each document update and awareness change out
 * to every Yjs participant except the one it came from, encoding each message once for all
 * receivers. Its peers are the session's participants that speak Yjs, not a set of its own.
 */
export class YjsRoom implements Attachment {
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
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (!this.hasPeers(null)) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YjsMessageType.Sync);
    syncProtocol.writeUpdate(encoder, update);
    this.broadcast(encoding.toUint8Array(encoder), origin);
  };

  private readonly onAwareness = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const peer = isParticipant(origin) && speaksYjs(origin) && this.live.participants.has(origin) ? origin : null;
    if (peer) {
      if (added.length > 0) peer.holdsAwareness = true;
      if (removed.length > 0) peer.holdsAwareness = false;
    }
    // Nobody else to tell: skip the encoding.
    if (!this.hasPeers(peer)) return;
    const frame = peer?.awarenessFrame ?? awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.live.awareness, added.concat(updated, removed)));
    this.broadcast(frame, origin);
  };

  /** Whether a Yjs participant other than `except` is there to receive a message. */
  private hasPeers(except: unknown): boolean {
    for (const participant of this.live.participants) if (participant !== except && speaksYjs(participant)) return true;
    return false;
  }

  private broadcast(message: Uint8Array, except: unknown): void {
    for (const participant of this.live.participants) if (participant !== except && speaksYjs(participant)) participant.send(message);
  }
}
