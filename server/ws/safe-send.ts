import { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/close-codes.js';

/**
 * Above this many bytes queued for one socket the client is not reading; it is dropped rather
 * than letting its queue grow without bound in server memory.
 */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** Sends a frame if the socket is open; drops a client whose send queue exceeds the bound. Returns whether it sent. */
export function safeSend(ws: WebSocket, data: Uint8Array | string): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    ws.close(CloseCode.Unresponsive, 'client is not reading its messages');
    ws.terminate();
    return false;
  }
  ws.send(data);
  return true;
}

/** Turns a `ws` message payload (Buffer, Buffer[] or ArrayBuffer) into one Uint8Array. */
export function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Closes with a code and a reason cut to the 123 bytes a close frame can carry. */
export function closeWith(ws: WebSocket, code: number, reason: string): void {
  let bytes = Buffer.from(reason);
  if (bytes.length > 123) bytes = bytes.subarray(0, 120);
  if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
    ws.close(code, bytes.toString().replace(/\uFFFD+$/, ''));
  }
}
