/**
 * First varint of every binary frame on `/yjs`, exactly as the y-websocket provider and server
 * number them. The payload after it is y-protocols' sync or awareness encoding.
 */
export const YjsMessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
} as const;

/** One of the y-websocket message types. */
export type YjsMessageType = (typeof YjsMessageType)[keyof typeof YjsMessageType];
