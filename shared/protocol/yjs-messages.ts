/**
 * First varint of every binary frame on `/yjs`. 0 to 3 are exactly what the y-websocket provider
 * and server number them, with y-protocols' sync or awareness encoding after them. `Run` is ours:
 * run messages (run-messages.ts), which only our client sends; a stock provider never sends one
 * and so is never answered with one.
 */
export const YjsMessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  /** A run's start, output or end (client → server), or a refusal of one (server → its sender). */
  Run: 100,
} as const;

/** One of the message types above. */
export type YjsMessageType = (typeof YjsMessageType)[keyof typeof YjsMessageType];
