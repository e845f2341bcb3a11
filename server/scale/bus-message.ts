/**
 * Frames carried over Redis pub/sub between instances. Binary-safe: a short ASCII header of
 * `|`-separated fields, then the raw Yjs payload.
 *
 *   u|<instance>|<streamId>|<previousStreamId>|<update bytes>     document update
 *   a|<instance>|<awareness update bytes>                          awareness change
 *   x|<instance>|                                                  access changed: re-read it
 *
 * The update header is written by the Lua script that appends to the session's stream, so
 * `previousStreamId` is exact and a receiver can tell that it missed something.
 */
export type BusMessage =
  | { kind: 'update'; instance: string; id: string; previous: string; payload: Uint8Array }
  | { kind: 'awareness'; instance: string; payload: Uint8Array }
  | { kind: 'access'; instance: string };

const SEPARATOR = 0x7c; // '|'

/** Parses a pub/sub frame; null for anything that is not one of ours. */
export function parseBusMessage(frame: Buffer): BusMessage | null {
  const fields: string[] = [];
  let start = 0;
  const wanted = frame[0] === 0x75 /* u */ ? 4 : frame[0] === 0x61 /* a */ || frame[0] === 0x78 /* x */ ? 2 : 0;
  if (wanted === 0) return null;
  for (let i = 0; i < frame.length && fields.length < wanted; i++) {
    if (frame[i] !== SEPARATOR) continue;
    fields.push(frame.subarray(start, i).toString('latin1'));
    start = i + 1;
  }
  if (fields.length < wanted) return null;
  const payload = new Uint8Array(frame.buffer, frame.byteOffset + start, frame.length - start);
  if (wanted === 4) return { kind: 'update', instance: fields[1]!, id: fields[2]!, previous: fields[3]!, payload };
  if (frame[0] === 0x78) return { kind: 'access', instance: fields[1]! };
  return { kind: 'awareness', instance: fields[1]!, payload };
}

/** Builds an awareness frame (updates are framed by the Lua script). */
export function encodeBusAwareness(instance: string, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`a|${instance}|`, 'latin1'), payload]);
}
