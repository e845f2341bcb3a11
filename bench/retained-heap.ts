import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getHeapSpaceStatistics } from 'node:v8';
import * as encoding from 'lib0/encoding';
import { WebSocket, WebSocketServer } from 'ws';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/logger.js';
import { buildServer } from './load/build-server.js';

/**
 * Retained heap per idle session, ours against the reference, measured the same way for both:
 * in one process with `--expose-gc`, N sessions each holding the same document with one synced
 * client, heap used (compiled code left out) after full collections, before and after, divided by
 * N. Unlike an RSS delta this leaves out allocator slack and garbage (our sessions are created over
 * REST; the reference makes rooms on demand). The client sockets live in the same process, so both
 * figures include the same client-side share.
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

/** The code every measured session holds, in both servers. */
const SAMPLE_CODE = 'function solve(input) {\n  return input;\n}\n';

/** The document our server creates for a session with SAMPLE_CODE (meta.language, meta.readOnly, code). */
function sampleDocument(): Y.Doc {
  const doc = new Y.Doc();
  doc.getMap('meta').set('language', 'javascript');
  doc.getMap('meta').set('readOnly', false);
  doc.getText('code').insert(0, SAMPLE_CODE);
  return doc;
}

/** A y-websocket sync message with the given body. */
function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** A server to open idle sessions on: ours (in process, over REST) or the reference (rooms on demand). */
export interface HeapTarget {
  /** Creates a session and opens one client on it, synced with the server. */
  openSession(): Promise<WebSocket>;
  stop(): Promise<void>;
}

/** Starts the target server in this process. */
export async function startHeapTarget(target: 'ours' | 'reference'): Promise<HeapTarget> {
  let roomUrl: () => Promise<string>;
  let stop: () => Promise<void>;
  if (target === 'ours') {
    // The production bundle, as npm start builds it: tsx's compiler gives every arrow function a
    // `name` property of its own, which would count against us and not against the reference.
    const bundle = (await import(pathToFileURL(await buildServer(undefined, 'server/server.ts')).href)) as typeof import('../server/server.js');
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_API: '0',
      RATE_LIMIT_CREATE: '0',
      MAX_CONNECTIONS_PER_IP: '1000000',
      ...(process.env.HEAP_STORAGE_DIR ? { STORAGE: 'sqlite', DATA_DIR: process.env.HEAP_STORAGE_DIR } : { STORAGE: 'memory' }),
    });
    const server = await bundle.startServer(config, createLogger(config.logLevel));
    roomUrl = async () => {
      const res = await fetch(`${server.url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ language: 'javascript', code: SAMPLE_CODE }),
      });
      const id = ((await res.json()) as { id: string }).id;
      // fetch keeps a resource-timing entry per request: client-side memory, not the server's.
      performance.clearResourceTimings();
      return `${server.url.replace('http', 'ws')}/yjs/${id}`;
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
  const openSession = async () => {
    const ws = new WebSocket(await roomUrl());
    await new Promise((resolve) => ws.once('open', resolve));
    // The reference starts every room empty: its client writes what our server writes at creation.
    if (target === 'reference') ws.send(syncMessage((encoder) => syncProtocol.writeUpdate(encoder, Y.encodeStateAsUpdate(sampleDocument()))));
    ws.send(syncMessage((encoder) => syncProtocol.writeSyncStep1(encoder, new Y.Doc())));
    await new Promise((resolve) => ws.once('message', resolve));
    return ws;
  };
  return { openSession, stop };
}

async function measure(target: 'ours' | 'reference', sessions: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const server = await startHeapTarget(target);
  const sockets: WebSocket[] = [];
  const open = async (count: number) => {
    for (let i = 0; i < count; i++) sockets.push(await server.openSession());
  };
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Compiled code is left out: the optimizing compiler keeps compiling hot paths (ours and the
    // in-process client's fetch) long after warm-up, which is a one-off cost, not a session's.
    return getHeapSpaceStatistics()
      .filter((space) => !space.space_name.startsWith('code'))
      .reduce((sum, space) => sum + space.space_used_size, 0);
  };
  // Warm-up: module caches, optimized code and first allocations are paid once, not per session.
  await open(200);
  const before = await settle();
  await open(sessions);
  const after = await settle();
  console.log(JSON.stringify({ server: target, sessions, retainedHeapPerSessionKiB: +((after - before) / sessions / 1024).toFixed(1) }));
  for (const ws of sockets) ws.terminate();
  await server.stop();
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  await measure(process.argv[2] as 'ours' | 'reference', Number(process.argv[3] ?? 300));
  process.exit(0);
}
