import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as encoding from 'lib0/encoding';
import { WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';

/**
 * Retained heap per idle session, ours against the reference, measured the same way for both:
 * in one process with `--expose-gc`, N sessions each with one synced client, heap used after full
 * collections, before and after, divided by N. Unlike an RSS delta this leaves out allocator slack
 * and garbage (our sessions are created over REST; the reference makes rooms on demand). The
 * client sockets live in the same process, so both figures include the same client-side share.
 */
export function retainedHeap(sessions = 300): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  for (const target of ['ours', 'reference'] as const) {
    const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), target, String(sessions)], { encoding: 'utf8' });
    const line = result.stdout.split('\n').find((entry) => entry.startsWith('{'));
    if (!line) throw new Error(`retained-heap ${target} failed: ${result.stderr}`);
    rows.push(JSON.parse(line) as Record<string, string | number>);
  }
  return rows;
}

async function measure(target: 'ours' | 'reference', sessions: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  let roomUrl: () => Promise<string>;
  let stop: () => Promise<void>;
  if (target === 'ours') {
    const { startTestServer } = await import('../test/server/helpers/server.js');
    const server = await startTestServer({ RATE_LIMIT_API: '0', RATE_LIMIT_CREATE: '0', MAX_CONNECTIONS_PER_IP: '1000000', ...(process.env.HEAP_STORAGE_DIR ? { STORAGE: 'sqlite', DATA_DIR: process.env.HEAP_STORAGE_DIR } : {}) });
    roomUrl = async () => {
      const res = await fetch(`${server.url}/api/sessions`, { method: 'POST' });
      return `${server.url.replace('http', 'ws')}/yjs/${((await res.json()) as { id: string }).id}`;
    };
    stop = () => server.close();
  } else {
    const { setupWSConnection } = (await import('@y/websocket-server/utils')) as unknown as { setupWSConnection: (ws: WebSocket, req: http.IncomingMessage) => void };
    const server = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => setupWSConnection(ws, req)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let next = 0;
    roomUrl = async () => `ws://127.0.0.1:${(server.address() as AddressInfo).port}/room-${next++}`;
    stop = async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => server.close(resolve));
    };
  }
  const sockets: WebSocket[] = [];
  const open = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const ws = new WebSocket(await roomUrl());
      await new Promise((resolve) => ws.once('open', resolve));
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.writeSyncStep1(encoder, new Y.Doc());
      ws.send(encoding.toUint8Array(encoder));
      await new Promise((resolve) => ws.once('message', resolve));
      sockets.push(ws);
    }
  };
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return process.memoryUsage().heapUsed;
  };
  await open(20); // warm-up: module caches, JIT, first allocations
  const before = await settle();
  await open(sessions);
  const after = await settle();
  console.log(JSON.stringify({ server: target, sessions, retainedHeapPerSessionKiB: +((after - before) / sessions / 1024).toFixed(1) }));
  for (const ws of sockets) ws.terminate();
  await stop();
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  await measure(process.argv[2] as 'ours' | 'reference', Number(process.argv[3] ?? 300));
  process.exit(0);
}
