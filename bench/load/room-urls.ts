import type { TargetKind } from './options.js';

/**
 * Creates `count` sessions and returns the WebSocket URL of each. Ours needs `POST /api/sessions`
 * first (with `code`, empty by default as the reference's rooms start); the reference makes rooms
 * on demand, and its first client writes any starting code itself.
 */
export async function createRooms(target: TargetKind, baseUrl: string, count: number, prefix: string, code = ''): Promise<string[]> {
  const wsBase = baseUrl.replace(/^http/, 'ws');
  if (target === 'reference') return Array.from({ length: count }, (_, i) => `${wsBase}/${prefix}-${i}`);
  const urls: string[] = new Array<string>(count);
  let next = 0;
  // A few requests in flight at once: fast, without queueing thousands of sockets.
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const res = await fetch(`${baseUrl}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      if (res.status !== 201 && res.status !== 200) throw new Error(`POST /api/sessions answered ${res.status}: ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      urls[index] = `${wsBase}/yjs/${id}`;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return urls;
}
