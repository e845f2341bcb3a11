import { DEFAULT_LANGUAGE } from '../../shared/languages.js';
import { LANGUAGE_KEY, META_MAP } from '../../shared/schema.js';
import { LatencyRecorder } from './latency-recorder.js';
import { emptyCounts, LoadClient, type ReceivedCounts } from './load-client.js';
import type { TargetKind } from './options.js';
import { createRooms } from './room-urls.js';

const CONNECT_TIMEOUT_MS = 30_000;

/** Connects one client per URL, `concurrency` attempts at a time; failed attempts are listed, not fatal. */
export async function connectAll(urls: string[], names: string[], concurrency: number, recorder: LatencyRecorder, counts: ReceivedCounts, errors: string[]): Promise<Array<LoadClient | undefined>> {
  const clients = new Array<LoadClient | undefined>(urls.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < urls.length) {
      const index = next++;
      try {
        clients[index] = await LoadClient.connect(urls[index]!, recorder, counts, names[index]!, CONNECT_TIMEOUT_MS);
      } catch (error) {
        errors.push(`${urls[index]}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
  return clients;
}

/** What every idle session holds, in both servers: a candidate's starting code. */
const IDLE_CODE = 'function solve(input) {\n  // your code here\n  return input;\n}\n';

/**
 * Connects to sessions that should hold the same document in both servers: IDLE_CODE and the
 * session's language (the schema's meta map). Ours has both from creation; the reference's rooms
 * start empty and the client writes them, as a first participant would.
 */
export async function openIdle(target: TargetKind, baseUrl: string, count: number, prefix: string, concurrency: number, errors: string[]): Promise<Array<LoadClient | undefined>> {
  const rooms = await createRooms(target, baseUrl, count, prefix, IDLE_CODE);
  const clients = await connectAll(rooms, rooms.map((_, i) => `${prefix}${i}`), concurrency, new LatencyRecorder(), emptyCounts(), errors);
  for (const client of clients) {
    if (!client || client.text.length > 0) continue;
    client.doc.transact(() => {
      client.text.insert(0, IDLE_CODE);
      client.doc.getMap(META_MAP).set(LANGUAGE_KEY, DEFAULT_LANGUAGE);
    });
  }
  return clients;
}
