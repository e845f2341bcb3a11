// Preloaded into each server under test (`node --import …/gc-probe.mjs`), ours and the reference
// alike: records every garbage-collection pause (wall-clock start and duration), and the event
// loop's delay between two SIGUSR2 signals (the generator sends one when typing starts and one
// when it ends); on SIGTERM it prints both as one `GCPROBE {json}` line.
// Plain JavaScript because the reference server runs under plain Node, without a TypeScript loader.
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Bounded: a run of minutes at the largest settings makes a few thousand pauses. */
const MAX_PAUSES = 200_000;
const pauses = [];

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (pauses.length >= MAX_PAUSES) return;
    pauses.push([Math.round(performance.timeOrigin + entry.startTime), +entry.duration.toFixed(3)]);
  }
}).observe({ entryTypes: ['gc'] });

// How late a 10 ms timer fires: how long the loop was busy when it should have run. The histogram
// holds whole intervals (10 ms when on time), so the resolution is taken off. Off until typing.
const RESOLUTION_MS = 10;
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
let measuring = false;
let loop = null;
process.on('SIGUSR2', () => {
  if (!measuring) {
    measuring = true;
    delay.reset();
    delay.enable();
    return;
  }
  delay.disable();
  const late = (ns) => Math.max(0, +(ns / 1e6 - RESOLUTION_MS).toFixed(2));
  loop = { p99: late(delay.percentile(99)), max: late(delay.max) };
});

process.on('SIGTERM', () => {
  process.stdout.write(`GCPROBE ${JSON.stringify({ pauses, loop })}\n`);
  // Alone, this listener would keep the process alive: do what SIGTERM does by default.
  if (process.listenerCount('SIGTERM') === 1) process.exit(0);
});
