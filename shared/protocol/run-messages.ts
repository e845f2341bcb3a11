/**
 * Run messages on `/yjs` (docs/protocol.md, "Run messages"): a client reports its own runs to the
 * server, which records them in the session's document. A frame is the varint
 * `YjsMessageType.Run` followed by one JSON object as a lib0 var-string. Client messages are
 * declared by their schema (run-schema.ts); the server answers a message it refuses with
 * `refused`, to the sender only.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { ErrorCode } from './errors.js';
import type { RunClientMessage } from './run-schema.js';
import { YjsMessageType } from './yjs-messages.js';

export type { RunClientMessage } from './run-schema.js';

/** Chunks one `output` message may carry (a runner sends more in several messages). */
export const MAX_CHUNKS_PER_MESSAGE = 1024;

/** Server → the message's sender: the run message about run `id` was refused; nothing changed. */
export interface RunRefusedMessage {
  type: 'refused';
  id: string;
  /** Why, for programs: `read_only`, `rate_limited`, `forbidden`, `not_found`, `unauthorized`, ... */
  code: ErrorCode;
  /** Why, for people. */
  message: string;
}

/** Every run message the server sends. */
export type RunServerMessage = RunRefusedMessage;

/** A `/yjs` frame carrying `message`. */
export function encodeRunMessage(message: RunClientMessage | RunServerMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YjsMessageType.Run);
  encoding.writeVarString(encoder, JSON.stringify(message));
  return encoding.toUint8Array(encoder);
}

/**
 * The JSON payload of a run frame, read after its type; unchecked (the reader validates it).
 * Throws when the frame holds no var-string or the string is not JSON.
 */
export function readRunPayload(decoder: decoding.Decoder): unknown {
  return JSON.parse(decoding.readVarString(decoder)) as unknown;
}
