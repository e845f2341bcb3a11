import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { YjsMessageType } from '../../shared/protocol/yjs-messages.js';
import { isParticipant, type LiveSession, type Participant } from '../sessions/live-session.js';
import type { AwarenessChange, SessionExtension } from '../sessions/session-extension.js';

/** A y-websocket participant of a session: what the fan-out needs to send it messages. */
export interface YjsPeer extends Participant {
  readonly kind: 'yjs';
  send(message: Uint8Array): void;
}

/** A y-websocket awareness message carrying an encoded awareness `update`. */
export function encodeAwarenessMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YjsMessageType.Awareness);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** Whether a session's participant speaks y-websocket. */
function isYjsPeer(participant: unknown): participant is YjsPeer {
  return isParticipant(participant) && participant.kind === 'yjs';
}

/** Whether a Yjs participant other than `except` is there to receive a message. */
function hasPeers(live: LiveSession, except: unknown): boolean {
  for (const participant of live.participants) if (participant !== except && participant.kind === 'yjs') return true;
  return false;
}

/** Sends `message` to every Yjs participant of `live` except `except`. */
function broadcast(live: LiveSession, message: Uint8Array, except: unknown): void {
  for (const participant of live.participants) if (participant !== except && participant.kind === 'yjs') (participant as YjsPeer).send(message);
}

/**
 * Relays an awareness message a Yjs participant sent, as received (or as the guard rewrote it),
 * to the session's other Yjs participants: the connection calls this after applying it, so the
 * states are never encoded again for the relay.
 */
export function relayAwareness(live: LiveSession, message: Uint8Array, from: YjsPeer): void {
  if (hasPeers(live, from)) broadcast(live, message, from);
}

/**
 * The y-websocket side of every live session, as one stateless extension: fans each document
 * update out to every Yjs participant except the one it came from, encoding each message once
 * for all receivers, and likewise awareness changes that did not come from a Yjs participant
 * (those relay their own frame through `relayAwareness`). The peers are the session's
 * participants that speak Yjs, not a set of its own.
 */
export const yjsFanout: SessionExtension = {
  name: 'yjs-fanout',

  onUpdate(live: LiveSession, update: Uint8Array, origin: unknown): void {
    if (!hasPeers(live, origin)) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YjsMessageType.Sync);
    syncProtocol.writeUpdate(encoder, update);
    broadcast(live, encoding.toUint8Array(encoder), origin);
  },

  onAwareness(live: LiveSession, { added, updated, removed }: AwarenessChange, origin: unknown): void {
    // A Yjs participant's own change is relayed by its connection, with the bytes it sent.
    if (isYjsPeer(origin) || !hasPeers(live, null)) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(live.awareness, added.concat(updated, removed));
    broadcast(live, encodeAwarenessMessage(update), null);
  },
};
