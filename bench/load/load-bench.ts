import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { exitOf, spawnNode, stopChild } from './child-processes.js';
import type { GeneratorConfig, GeneratorResult, IdleResult } from './generator.js';
import type { LoadOptions, TargetKind } from './options.js';
import { buildServer } from './build-server.js';
import { ROOT, startTarget } from './target-server.js';

const MIB = 2 ** 20;

/** Everything measured against one target: the load run and the idle sessions on a fresh server. */
export type TargetResult = GeneratorResult & Omit<IdleResult, 'target' | 'connectErrors'>;

/** Runs the generator against one server in its own process and returns its figures. */
async function runGenerator<T>(config: GeneratorConfig, cpuProfDir: string | undefined): Promise<T> {
  // The generator shares the cores with the server: its own profile shows how much it takes of them.
  // A folder of its own, as tsx's loader thread writes a profile too.
  const profile = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(cpuProfDir, `generator-${config.target}-${config.mode}`)] : [];
  const child = spawnNode([...profile, '--import', 'tsx', path.join(ROOT, 'bench', 'load', 'generator.ts'), JSON.stringify(config)], {}, ['ignore', 'pipe', 'inherit']);
  let result: T | undefined;
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as T;
    else process.stderr.write(`${line}\n`);
  });
  // Bounded: ramp-up, typing, drain and the idle phase fit well inside this at the largest settings.
  const limitMs = (config.durationSec + 300) * 1000;
  const timer = setTimeout(() => void stopChild(child, 2000), limitMs);
  try {
    const code = await exitOf(child);
    if (code !== 0 || !result) throw new Error(`load generator for ${config.target} exited with ${code}${result ? '' : ' without a result'}`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a fresh server of `kind`, runs the generator in `mode` against it, and always stops it again. */
async function onFreshServer<T>(kind: TargetKind, mode: GeneratorConfig['mode'], options: LoadOptions, ourBundle: string): Promise<T> {
  const server = await startTarget(kind, {
    storage: options.storage,
    ourBundle,
    cpuProfDir: kind === 'ours' && mode === 'load' ? options.cpuProfDir : undefined,
    inspect: mode === 'idle',
  });
  try {
    return await runGenerator<T>({
      target: kind,
      mode,
      baseUrl: server.baseUrl,
      serverPid: server.pid,
      inspectUrl: server.inspectUrl,
      sessions: options.sessions,
      participants: options.participants,
      durationSec: options.durationSec,
      seed: options.seed,
      awarenessMs: options.awarenessMs,
      idleSessions: options.idleSessions,
      connectConcurrency: options.connectConcurrency,
    }, options.cpuProfDir);
  } finally {
    await server.stop();
  }
}

/** The typing workload against one target, then its idle sessions on a second, fresh server. */
async function measure(kind: TargetKind, options: LoadOptions, ourBundle: string): Promise<TargetResult> {
  process.stderr.write(`\n== ${kind}: ${options.sessions} sessions × ${options.participants} participants, ${options.durationSec} s ==\n`);
  const load = await onFreshServer<GeneratorResult>(kind, 'load', options, ourBundle);
  if (options.idleSessions === 0) return { ...load, idleSessionsOpened: 0, idleRssDelta: 0, idleHeapDelta: 0 };
  const idle = await onFreshServer<IdleResult>(kind, 'idle', options, ourBundle);
  return {
    ...load,
    idleSessionsOpened: idle.idleSessionsOpened,
    idleRssDelta: idle.idleRssDelta,
    idleHeapDelta: idle.idleHeapDelta,
    connectErrors: [...load.connectErrors, ...idle.connectErrors],
  };
}

/** One row per figure: its label and how to read it off a result. */
const FIGURES: Array<[string, (r: TargetResult) => number]> = [
  ['connections attempted', (r) => r.connectionsAttempted],
  ['connections synced after ramp-up', (r) => r.connectionsSynced],
  ['connections held to the end', (r) => r.connectionsHeld],
  ['ramp-up (s)', (r) => r.rampSec],
  ['keystrokes sent', (r) => r.keystrokes],
  ['keystrokes per s', (r) => r.keystrokes / r.typingSec],
  ['deliveries (% of expected)', (r) => (100 * r.deliveries) / Math.max(1, r.expectedDeliveries)],
  ['fan-out p50 (ms)', (r) => r.p50Ms],
  ['fan-out p95 (ms)', (r) => r.p95Ms],
  ['fan-out p99 (ms)', (r) => r.p99Ms],
  ['fan-out max (ms)', (r) => r.maxMs],
  ['bytes per keystroke (received update frames)', (r) => r.received.updateBytes / Math.max(1, r.deliveries)],
  ['update frames per delivery', (r) => r.received.updateFrames / Math.max(1, r.deliveries)],
  ['redundant update bytes per keystroke (echoes)', (r) => r.received.redundantBytes / Math.max(1, r.keystrokes)],
  ['awareness bytes received per s', (r) => r.received.awarenessBytes / r.typingSec],
  ['server CPU (% of one core, typing phase)', (r) => (100 * r.serverCpuSec) / r.typingSec],
  // Per keystroke, so it compares across runs whose generator kept different rates.
  ['server CPU per keystroke (µs, its awareness included)', (r) => (1e6 * r.serverCpuSec) / Math.max(1, r.keystrokes)],
  ['server RSS before load (MiB)', (r) => r.serverRssBeforeLoad / MIB],
  ['server RSS after load (MiB)', (r) => r.serverRssAfterLoad / MIB],
  ['server peak RSS, VmHWM (MiB)', (r) => r.serverPeakRss / MIB],
  ['idle sessions opened (1 client each, fresh server)', (r) => r.idleSessionsOpened],
  ['retained heap per idle session (KiB, after full GC)', (r) => r.idleHeapDelta / Math.max(1, r.idleSessionsOpened) / 1024],
  ['RSS growth per idle session (KiB; moved by GC timing)', (r) => r.idleRssDelta / Math.max(1, r.idleSessionsOpened) / 1024],
  ['generator CPU (% of one core)', (r) => (100 * r.generatorCpuSec) / r.typingSec],
  ['machine CPU busy, all processes (% of all cores)', (r) => r.machineBusyPercent],
  // What neither the server nor the generator used: other work on the machine, i.e. noise.
  ["other processes' CPU (% of one core; noise)", (r) => (r.machineBusyPercent * os.cpus().length) - (100 * (r.serverCpuSec + r.generatorCpuSec)) / r.typingSec],
  ['generator timer lateness p99 (ms; high = generator-bound)', (r) => r.generatorTimerLatenessP99Ms],
];

function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  return Math.abs(value) >= 100 ? Math.round(value) : +value.toFixed(2);
}

/** The figures of each target side by side, with ours/reference where both ran. */
export function loadTable(results: TargetResult[]): Array<Record<string, string | number>> {
  const ours = results.find((r) => r.target === 'ours');
  const reference = results.find((r) => r.target === 'reference');
  return FIGURES.map(([label, figure]) => {
    const row: Record<string, string | number> = { figure: label };
    for (const result of results) row[result.target] = round(figure(result));
    if (ours && reference) {
      const ratio = figure(ours) / figure(reference);
      row['ours/reference'] = Number.isFinite(ratio) ? +ratio.toFixed(2) : '–';
    }
    return row;
  });
}

/** Runs the load workload against each target in turn and prints the table; returns the raw figures. */
export async function loadBench(options: LoadOptions): Promise<TargetResult[]> {
  const results: TargetResult[] = [];
  const ourBundle = await buildServer(options.serverRev);
  for (const kind of options.targets) results.push(await measure(kind, options, ourBundle));
  const connections = options.sessions * options.participants;
  console.log(`\nLoad (${options.preset}): ${options.sessions} sessions × ${options.participants} participants = ${connections} connections, ${options.durationSec} s of typing, seed ${options.seed}, awareness every ≥${options.awarenessMs} ms, our storage ${options.storage}, our server from ${options.serverRev ?? 'the working tree'}`);
  console.table(loadTable(results));
  for (const result of results) {
    if (result.connectErrors.length > 0) console.log(`${result.target}: connection errors: ${result.connectErrors.join('; ')}`);
  }
  return results;
}
