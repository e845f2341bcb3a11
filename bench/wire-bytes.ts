import { WebSocket } from 'ws';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/logger.js';
import { startServer } from '../server/server.js';

/** Bytes on the wire for a one-character insert, per protocol and document size. */
export async function wireBytes(): Promise<Array<Record<string, string | number>>> {
  const server = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE: 'memory', LOG_LEVEL: 'silent' }), createLogger('silent'));
  const ws = server.url.replace('http', 'ws');
  const rows: Array<Record<string, string | number>> = [];
  try {
    for (const size of [1_000, 10_000, 100_000]) {
      const code = 'x'.repeat(size - 1) + '\n';
      const res = await fetch(`${server.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      const { id } = (await res.json()) as { id: string };

      // Yjs: a client syncs, inserts one character; measure what it sends and what a peer receives.
      const sender = await yjsPeer(`${ws}/yjs/${id}`);
      const receiver = await yjsPeer(`${ws}/yjs/${id}`);
      receiver.frames.length = 0;
      const sent: Uint8Array[] = [];
      sender.doc.on('update', (update: Uint8Array) => {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, 0);
        syncProtocol.writeUpdate(encoder, update);
        const frame = encoding.toUint8Array(encoder);
        sent.push(frame);
        sender.socket.send(frame);
      });
      sender.doc.getText('code').insert(size / 2, 'y');
      await until(() => receiver.frames.length > 0);
      rows.push({ protocol: 'yjs', documentBytes: size, sentBytes: sent[0]!.length, receivedBytes: receiver.frames[0]!.length });
      sender.socket.close();
      receiver.socket.close();

      // JSON: the seed's codeChange carries the whole code; the peer's codeUpdate does too.
      const a = await jsonPeer(`${ws}/ws`, id);
      const b = await jsonPeer(`${ws}/ws`, id);
      b.frames.length = 0;
      const current = (JSON.parse(a.frames.find((frame) => frame.includes('"init"'))!) as { code: string }).code;
      const change = JSON.stringify({ type: 'codeChange', code: current.slice(0, size / 4) + 'z' + current.slice(size / 4) });
      a.socket.send(change);
      await until(() => b.frames.some((frame) => frame.includes('"codeUpdate"')));
      const update = b.frames.find((frame) => frame.includes('"codeUpdate"'))!;
      rows.push({ protocol: 'json', documentBytes: size, sentBytes: Buffer.byteLength(change), receivedBytes: Buffer.byteLength(update) });
      a.socket.close();
      b.socket.close();
    }
  } finally {
    await server.close();
  }
  return rows;
}

async function yjsPeer(url: string) {
  const doc = new Y.Doc();
  const socket = new WebSocket(url);
  const frames: Uint8Array[] = [];
  let synced = false;
  socket.on('message', (data) => {
    const frame = new Uint8Array(data as Buffer);
    frames.push(frame);
    // Sync step 2 (type 0, sub-type 1) brings the document.
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) === 0 && decoding.readVarUint(decoder) === syncProtocol.messageYjsSyncStep2) {
      Y.applyUpdate(doc, decoding.readVarUint8Array(decoder), 'remote');
      synced = true;
    }
  });
  await new Promise((resolve) => socket.once('open', resolve));
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  syncProtocol.writeSyncStep1(encoder, doc);
  socket.send(encoding.toUint8Array(encoder));
  await until(() => synced);
  return { doc, socket, frames };
}

async function jsonPeer(url: string, sessionId: string) {
  const socket = new WebSocket(url);
  const frames: string[] = [];
  socket.on('message', (data) => frames.push(data.toString()));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'join', sessionId }));
  await until(() => frames.some((frame) => frame.includes('"init"')));
  return { socket, frames };
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
