// Preloaded into each server under test (`node --import …/gc-probe.mjs`), ours and the reference
// alike: records every garbage-collection pause with its wall-clock time, and on SIGTERM prints
// them as one `GCPROBE {json}` line, so the bench can sum the pauses of the typing phase alone.
// Plain JavaScript because the reference server runs under plain Node, without a TypeScript loader.
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
/** Bounded: a run of minutes at the largest settings makes a few thousand pauses. */
const MAX_PAUSES = 200_000;
const pauses = [];

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (pauses.length >= MAX_PAUSES) return;
    pauses.push([Math.round(performance.timeOrigin + entry.startTime), +entry.duration.toFixed(3), KINDS[entry.detail?.kind] ?? 'other']);
  }
}).observe({ entryTypes: ['gc'] });

process.on('SIGTERM', () => {
  process.stdout.write(`GCPROBE ${JSON.stringify(pauses)}\n`);
  // Alone, this listener would keep the process alive: do what SIGTERM does by default.
  if (process.listenerCount('SIGTERM') === 1) process.exit(0);
});
