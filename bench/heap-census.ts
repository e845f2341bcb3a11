import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadClient } from './load/load-client.js';
import { buildServer } from './load/build-server.js';
import { openIdle } from './load/connect.js';
import { heapSnapshot } from './load/inspector.js';
import type { TargetKind } from './load/options.js';
import { startTarget } from './load/target-server.js';

/**
 * Where a server's memory per idle session goes: heap snapshots of the server process (over the V8
 * inspector) before and after opening N sessions like the load benchmark's idle phase, and the
 * difference per session by object kind (constructor name for objects and closures).
 *
 *   node --import tsx bench/heap-census.ts [N=300] [rows=40] [ours|reference]
 *   (CENSUS_SAVE=DIR writes the two snapshots there; CENSUS_CODE=1 names compiled-code objects;
 *   CENSUS_STORAGE=sqlite runs ours on its default storage instead of memory)
 */
function census(text: string): Map<string, { count: number; bytes: number }> {
  const snapshot = JSON.parse(text) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  const result = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const name = type === 'object' || type === 'closure' || (process.env.CENSUS_CODE && type === 'code') ? snapshot.strings[snapshot.nodes[i + nameAt]!]! : `(${type})`;
    const key = `${type}:${name.slice(0, 60)}`;
    const entry = result.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snapshot.nodes[i + sizeAt]!;
    result.set(key, entry);
  }
  return result;
}

const sessions = Number(process.argv[2] ?? 300);
const rows = Number(process.argv[3] ?? 40);
const kind = (process.argv[4] ?? 'ours') as TargetKind;
const ourBundle = await buildServer(undefined);
const storage = process.env.CENSUS_STORAGE === 'sqlite' ? 'sqlite' : 'memory';
const server = await startTarget(kind, { storage, ourBundle, cpuProfDir: undefined, inspect: true });
const clients: Array<LoadClient | undefined> = [];
try {
  const errors: string[] = [];
  // Warm-up as in the load benchmark's idle phase: first-use costs stay out of the difference.
  clients.push(...(await openIdle(kind, server.baseUrl, sessions, 'warm-', 50, errors)));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const beforeText = await heapSnapshot(server.inspectUrl!);
  const before = census(beforeText);
  clients.push(...(await openIdle(kind, server.baseUrl, sessions, 'idle-', 50, errors)));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const afterText = await heapSnapshot(server.inspectUrl!);
  const after = census(afterText);
  // CENSUS_SAVE=DIR keeps both snapshots for a closer look (Chrome DevTools' Memory tab opens them).
  if (process.env.CENSUS_SAVE) {
    writeFileSync(path.join(process.env.CENSUS_SAVE, 'before.heapsnapshot'), beforeText);
    writeFileSync(path.join(process.env.CENSUS_SAVE, 'after.heapsnapshot'), afterText);
  }
  if (errors.length > 0) throw new Error(`connections failed: ${errors.slice(0, 3).join('; ')}`);
  const table = [...after].map(([key, a]) => {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    return { kind: key, 'objects per session': +((a.count - b.count) / sessions).toFixed(2), 'bytes per session': Math.round((a.bytes - b.bytes) / sessions) };
  });
  table.sort((x, y) => y['bytes per session'] - x['bytes per session']);
  const total = table.reduce((sum, row) => sum + row['bytes per session'], 0);
  console.log(`${kind}: ${sessions} idle sessions on ${os.cpus().length} cores; heap snapshot difference ${(total / 1024).toFixed(1)} KiB per session`);
  console.table(table.slice(0, rows));
} finally {
  for (const client of clients) client?.close();
  await server.stop();
}
process.exit(0);
