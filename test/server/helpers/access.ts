import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import * as authProtocol from 'y-protocols/auth';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { encodeRunMessage, readRunPayload, type RunClientMessage, type RunServerMessage } from '../../../shared/protocol/run-messages.js';
import { YjsMessageType } from '../../../shared/protocol/yjs-messages.js';
import { waitFor, wsBase } from './server.js';

/** A created session with its interviewer credentials. */
export interface CreatedSession {
  id: string;
  url: string;
  interviewerUrl: string;
  ownerSecret: string;
  private: boolean;
}

/** Creates a session over REST (with an optional password, API key). */
export async function create(baseUrl: string, body: Record<string, unknown> = {}, apiKey?: string): Promise<CreatedSession> {
  const res = await fetch(`${baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedSession;
}

/** Exchanges credentials for a token; returns the HTTP status and body. */
export async function requestToken(baseUrl: string, id: string, body: Record<string, unknown>): Promise<{ status: number; body: { token?: string; role?: string; error?: { code: string } } }> {
  const res = await fetch(`${baseUrl}/api/sessions/${id}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { token?: string; role?: string } };
}

/** A token, or a thrown error when the exchange is refused. */
export async function tokenFor(baseUrl: string, id: string, body: Record<string, unknown>): Promise<string> {
  const { status, body: answer } = await requestToken(baseUrl, id, body);
  if (status !== 200 || !answer.token) throw new Error(`token refused: ${status} ${JSON.stringify(answer)}`);
  return answer.token;
}

/** A REST call with an optional bearer token; returns status and parsed JSON (or text). */
export async function call(baseUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text (the code endpoint)
  }
  return { status: res.status, body: parsed };
}

/** A y-websocket update frame carrying `update`. */
export function updateFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, YjsMessageType.Sync);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/**
 * A raw y-websocket client: syncs, sends updates of its own doc, and records the auth
 * (permission-denied) messages it gets back, which the stock provider only logs, and the run
 * messages (refusals) the server answers its own run messages with.
 */
export async function rawPeer(baseUrl: string, id: string, token?: string) {
  const doc = new Y.Doc();
  const ws = new WebSocket(`${wsBase(baseUrl)}/yjs/${id}${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  const denied: string[] = [];
  const runReplies: RunServerMessage[] = [];
  let closed: number | null = null;
  ws.on('close', (code) => (closed = code));
  ws.on('message', (data) => {
    const decoder = decoding.createDecoder(new Uint8Array(data as Buffer));
    const type = decoding.readVarUint(decoder);
    if (type === 0) syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), doc, 'server');
    if (type === 2) authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => denied.push(reason));
    if (type === YjsMessageType.Run) runReplies.push(readRunPayload(decoder) as RunServerMessage);
  });
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin === 'server' || ws.readyState !== WebSocket.OPEN) return;
    ws.send(updateFrame(update));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  syncProtocol.writeSyncStep1(encoder, doc);
  ws.send(encoding.toUint8Array(encoder));
  return { doc, ws, denied, runReplies, text: doc.getText('code'), closed: () => closed };
}

/** A raw peer that can report runs: `run` sends a run message. */
export type RunPeer = Awaited<ReturnType<typeof rawPeer>> & { run(message: RunClientMessage): void };

/**
 * A raw peer that has synced and, given a `user`, published it as its awareness state (as the
 * page does, `{ user: { name, ... } }`); `run` sends a run message.
 */
export async function runPeer(baseUrl: string, id: string, options: { token?: string; user?: Record<string, unknown> } = {}): Promise<RunPeer> {
  const peer = await rawPeer(baseUrl, id, options.token);
  await waitFor(() => peer.doc.getMap('meta').has('language'), 'the peer synced');
  if (options.user) {
    const awareness = new awarenessProtocol.Awareness(peer.doc);
    awareness.setLocalState({ user: options.user });
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YjsMessageType.Awareness);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, [peer.doc.clientID]));
    peer.ws.send(encoding.toUint8Array(encoder));
    awareness.destroy();
  }
  return Object.assign(peer, { run: (message: RunClientMessage) => peer.ws.send(encodeRunMessage(message)) });
}

/** Opens a raw /yjs socket and resolves with its close code (first one wins). */
export function closeCodeOf(baseUrl: string, id: string, token?: string): Promise<number> {
  const ws = new WebSocket(`${wsBase(baseUrl)}/yjs/${id}${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  ws.on('error', () => undefined);
  return new Promise((resolve) => ws.on('close', (code) => resolve(code)));
}
