import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { exitOf, spawnNode, stopChild } from './child-processes.js';
import type { GeneratorConfig, GeneratorResult, IdleResult } from './generator.js';
import type { LoadOptions, TargetKind } from './options.js';
import { buildServer } from './build-server.js';
import { ROOT, startTarget, type ProbeReport } from './target-server.js';

const MIB = 2 ** 20;

/** The server's garbage-collection pauses and event-loop delay during the typing phase. */
export interface GcFigures {
  gcPauseMs: number;
  gcPausesOver5Ms: number;
  gcLongestPauseMs: number;
  /** How late a 10 ms timer ran (p99, max; ms); NaN when the probe did not report. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** Everything measured against one target: the load run, its GC pauses, and the idle sessions on a fresh server. */
export type TargetResult = GeneratorResult & GcFigures & Omit<IdleResult, 'target' | 'connectErrors'>;

/** What the server's probe saw during the typing phase of `load`. */
function gcFigures({ pauses, loop }: ProbeReport, load: GeneratorResult): GcFigures {
  const during = pauses.filter(([at]) => at >= load.typingStartedAt && at < load.typingEndedAt).map(([, ms]) => ms);
  return {
    gcPauseMs: during.reduce((sum, ms) => sum + ms, 0),
    gcPausesOver5Ms: during.filter((ms) => ms > 5).length,
    gcLongestPauseMs: Math.max(0, ...during),
    loopDelayP99Ms: loop?.p99 ?? Number.NaN,
    loopDelayMaxMs: loop?.max ?? Number.NaN,
  };
}

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

/** Starts a fresh server of `kind`, runs the generator in `mode` against it, and always stops it again; also returns what the server's probe saw. */
async function onFreshServer<T>(kind: TargetKind, mode: GeneratorConfig['mode'], options: LoadOptions, ourBundle: string): Promise<{ result: T; probe: ProbeReport }> {
  const server = await startTarget(kind, {
    storage: options.storage,
    ourBundle,
    cpuProfDir: mode === 'load' && options.cpuProfDir ? path.join(options.cpuProfDir, kind) : undefined,
    inspect: mode === 'idle',
  });
  let result: T;
  try {
    result = await runGenerator<T>({
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
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { result, probe: await server.stop() };
}

/** The typing workload against one target; in the first round also its idle sessions on a second, fresh server. */
async function measure(kind: TargetKind, options: LoadOptions, ourBundle: string, round: number): Promise<TargetResult> {
  process.stderr.write(`\n== ${kind}${options.rounds > 1 ? ` (round ${round + 1} of ${options.rounds})` : ''}: ${options.sessions} sessions × ${options.participants} participants, ${options.durationSec} s ==\n`);
  const { result: load, probe } = await onFreshServer<GeneratorResult>(kind, 'load', options, ourBundle);
  const measured = { ...load, ...gcFigures(probe, load) };
  if (options.idleSessions === 0 || round > 0) return { ...measured, idleSessionsOpened: 0, idleRssDelta: 0, idleHeapDelta: 0 };
  const { result: idle } = await onFreshServer<IdleResult>(kind, 'idle', options, ourBundle);
  return {
    ...measured,
    idleSessionsOpened: idle.idleSessionsOpened,
    idleRssDelta: idle.idleRssDelta,
    idleHeapDelta: idle.idleHeapDelta,
    connectErrors: [...load.connectErrors, ...idle.connectErrors],
  };
}

/** One row per figure: its label, how to read it off a result, and whether only the first round measures it. */
const FIGURES: Array<[string, (r: TargetResult) => number, 'first round'?]> = [
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
  ['server GC pauses (ms per s of typing)', (r) => r.gcPauseMs / r.typingSec],
  ['server GC pauses over 5 ms (count)', (r) => r.gcPausesOver5Ms],
  ['server longest GC pause (ms)', (r) => r.gcLongestPauseMs],
  ['server event-loop delay p99 (ms; a 10 ms timer, typing phase)', (r) => r.loopDelayP99Ms],
  ['server event-loop delay max (ms)', (r) => r.loopDelayMaxMs],
  ['server RSS before load (MiB)', (r) => r.serverRssBeforeLoad / MIB],
  ['server RSS after load (MiB)', (r) => r.serverRssAfterLoad / MIB],
  ['server peak RSS, VmHWM (MiB)', (r) => r.serverPeakRss / MIB],
  ['idle sessions opened (1 client each, fresh server)', (r) => r.idleSessionsOpened, 'first round'],
  ['retained heap per idle session (KiB, after full GC)', (r) => r.idleHeapDelta / Math.max(1, r.idleSessionsOpened) / 1024, 'first round'],
  ['RSS growth per idle session (KiB; moved by GC timing)', (r) => r.idleRssDelta / Math.max(1, r.idleSessionsOpened) / 1024, 'first round'],
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

/** The middle value of `values` (the mean of the middle two for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The two-sided sign test's p-value for `wins` of `n` paired rounds: how likely a split at least
 * this uneven is when neither server is faster and each round's winner is a coin toss. Round-to-round
 * noise on a shared machine moves the p99 by as much as the servers differ at low load, so a ratio
 * of medians alone does not say whether a difference is real.
 */
function signTestP(wins: number, n: number): number {
  const tail = Math.min(wins, n - wins);
  let probability = 0;
  let ways = 1; // n choose k, for k = 0, 1, …
  for (let k = 0; k <= tail; k++) {
    probability += ways / 2 ** n;
    ways = (ways * (n - k)) / (k + 1);
  }
  return Math.min(1, 2 * probability);
}

/** Each target's results, one per round. */
export type RoundResults = Map<TargetKind, TargetResult[]>;

/** The figures of each target side by side (the median over rounds), with ours/reference where both ran. */
export function loadTable(results: RoundResults): Array<Record<string, string | number>> {
  return FIGURES.map(([label, figure, once]) => {
    const row: Record<string, string | number> = { figure: label };
    const values = new Map<TargetKind, number>();
    for (const [target, rounds] of results) {
      values.set(target, once ? figure(rounds[0]!) : median(rounds.map(figure)));
      row[target] = round(values.get(target)!);
    }
    const ours = values.get('ours');
    const reference = values.get('reference');
    if (ours !== undefined && reference !== undefined) {
      const ratio = ours / reference;
      row['ours/reference'] = Number.isFinite(ratio) ? +ratio.toFixed(2) : '–';
    }
    return row;
  });
}

/**
 * Runs the load workload against each target and prints the table; returns the raw figures. With
 * several rounds the order alternates (ours first, then the reference first, …), so neither target
 * always runs on a machine warmed or disturbed by the other, and the table shows medians.
 */
export async function loadBench(options: LoadOptions): Promise<RoundResults> {
  const results: RoundResults = new Map(options.targets.map((kind) => [kind, []]));
  const ourBundle = await buildServer(options.serverRev);
  for (let r = 0; r < options.rounds; r++) {
    const order = r % 2 === 0 ? options.targets : [...options.targets].reverse();
    for (const kind of order) results.get(kind)!.push(await measure(kind, options, ourBundle, r));
  }
  const connections = options.sessions * options.participants;
  const rounds = options.rounds > 1 ? `, median of ${options.rounds} rounds in alternating order` : '';
  console.log(`\nLoad (${options.preset}): ${options.sessions} sessions × ${options.participants} participants = ${connections} connections, ${options.durationSec} s of typing, seed ${options.seed}, awareness every ≥${options.awarenessMs} ms, our storage ${options.storage}, our server from ${options.serverRev ?? 'the working tree'}${rounds}`);
  console.table(loadTable(results));
  if (options.rounds > 1) {
    for (const [target, list] of results) console.log(`${target}: fan-out p99 per round (ms): ${list.map((r) => r.p99Ms.toFixed(1)).join(', ')}`);
    const ours = results.get('ours');
    const reference = results.get('reference');
    if (ours && reference) {
      const lower = ours.filter((r, i) => r.p99Ms < reference[i]!.p99Ms).length;
      const higher = ours.filter((r, i) => r.p99Ms > reference[i]!.p99Ms).length;
      // Ties (and rounds without a figure) say nothing either way: the sign test leaves them out.
      console.log(`ours had the lower fan-out p99 in ${lower} of ${options.rounds} rounds (two-sided sign test over the ${lower + higher} untied: p = ${signTestP(lower, lower + higher).toFixed(2)})`);
    }
  }
  for (const [target, list] of results) {
    const errors = list.flatMap((r) => r.connectErrors);
    if (errors.length > 0) console.log(`${target}: connection errors: ${errors.slice(0, 10).join('; ')}`);
  }
  return results;
}
