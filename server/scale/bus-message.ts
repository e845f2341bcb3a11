/**
 * Frames carried over Redis pub/sub between instances. Binary-safe: a short ASCII header of
 * `|`-separated fields, then the raw Yjs payload.
 *
 *   u|<instance>|<streamId>|<previousStreamId>|<uid>|<update bytes>   document update
 *   a|<instance>|<awareness update bytes>                              awareness change
 *   x|<instance>|                                                      access changed: re-read it
 *   s|<instance>|<streamId>|                                           stored up to streamId
 *
 * The update and stored frames are written by the Lua scripts that append to the session's
 * stream and confirm what storage took (stream-scripts.ts), so `previousStreamId` is exact and a
 * receiver can tell that it missed something.
 */
export type BusMessage =
  | { kind: 'update'; instance: string; id: string; previous: string; uid: string; payload: Uint8Array }
  | { kind: 'awareness'; instance: string; payload: Uint8Array }
  | { kind: 'access'; instance: string }
  | { kind: 'stored'; instance: string; upto: string };

const SEPARATOR = 0x7c; // '|'

/** Header fields (the kind included) before the payload, by the frame's first byte. */
const FIELDS: Record<number, number> = { 0x75 /* u */: 5, 0x61 /* a */: 2, 0x78 /* x */: 2, 0x73 /* s */: 3 };

/** Parses a pub/sub frame; null for anything that is not one of ours. */
export function parseBusMessage(frame: Buffer): BusMessage | null {
  const wanted = FIELDS[frame[0]!] ?? 0;
  if (wanted === 0) return null;
  const fields: string[] = [];
  let start = 0;
  for (let i = 0; i < frame.length && fields.length < wanted; i++) {
    if (frame[i] !== SEPARATOR) continue;
    fields.push(frame.subarray(start, i).toString('latin1'));
    start = i + 1;
  }
  if (fields.length < wanted) return null;
  const instance = fields[1]!;
  const payload = new Uint8Array(frame.buffer, frame.byteOffset + start, frame.length - start);
  switch (frame[0]) {
    case 0x75:
      return { kind: 'update', instance, id: fields[2]!, previous: fields[3]!, uid: fields[4]!, payload };
    case 0x73:
      return { kind: 'stored', instance, upto: fields[2]! };
    case 0x78:
      return { kind: 'access', instance };
    default:
      return { kind: 'awareness', instance, payload };
  }
}

/** Builds an awareness frame (updates are framed by the Lua script). */
export function encodeBusAwareness(instance: string, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`a|${instance}|`, 'latin1'), payload]);
}
