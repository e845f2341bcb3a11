/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) by self time:
 * `node --import tsx bench/load/profile-summary.ts <file.cpuprofile> [top=25]`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One function's share of a profile: self time in ms and as a percentage of the busy (non-idle) time. */
export interface ProfileEntry {
  function: string;
  location: string;
  selfMs: number;
  selfPercent: number;
}

/** Self time per function (summed over every node of that function), largest first. */
export function summariseProfile(profile: CpuProfile, top: number): ProfileEntry[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, { entry: Omit<ProfileEntry, 'selfMs' | 'selfPercent'>; us: number }>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    // timeDeltas[i] is the time before sample i; attribute it to that sample's node.
    const delta = profile.timeDeltas[index] ?? 0;
    const frame = byNode.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') return;
    total += delta;
    const location = frame.url ? where(frame.url, frame.lineNumber) : '';
    const key = `${frame.functionName}@${location}`;
    const slot = selfUs.get(key) ?? { entry: { function: frame.functionName || '(anonymous)', location }, us: 0 };
    slot.us += delta;
    selfUs.set(key, slot);
  });
  return [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map(({ entry, us }) => ({ ...entry, selfMs: Math.round(us / 1000), selfPercent: +((100 * us) / Math.max(1, total)).toFixed(1) }));
}

const bundles = new Map<string, Array<[number, string]>>();

/**
 * `file:line` for a profile frame. In an esbuild bundle each module starts with a `// path.ts`
 * comment, so a bundle line maps back to the source module it came from.
 */
function where(url: string, line: number): string {
  const file = url.replace(/^file:\/\//, '');
  if (!file.endsWith('.build/server/main.js')) return `${shorten(url)}:${line + 1}`;
  let starts = bundles.get(file);
  if (!starts) {
    starts = [];
    readFileSync(file, 'utf8').split('\n').forEach((text, index) => {
      const match = /^\/\/ (?:\S*\/)?((?:server|shared)\/\S+\.ts)$/.exec(text);
      if (match) starts!.push([index, match[1]!]);
    });
    bundles.set(file, starts);
  }
  let module = 'bundle';
  for (const [start, name] of starts) if (start <= line) module = name;
  return `${module} (bundle:${line + 1})`;
}

/** A URL made readable: relative to the repository for our files, from the package name for dependencies. */
function shorten(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('node_modules/');
  if (modules >= 0) return file.slice(modules + 'node_modules/'.length);
  return path.relative(process.cwd(), file) || file;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 25);
  if (!Number.isInteger(top) || top < 1) {
    process.stderr.write(`top ${JSON.stringify(process.argv[3])} must be a positive integer (one profile file at a time)\n`);
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const busy = profile.samples.reduce((sum, id, index) => (profile.nodes.find((node) => node.id === id)?.callFrame.functionName === '(idle)' ? sum : sum + (profile.timeDeltas[index] ?? 0)), 0);
  console.log(`${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy; self time by function, % of busy time`);
  console.table(summariseProfile(profile, top));
}
