/**
 * The load generator process: `node --import tsx bench/load/generator.ts '<GeneratorConfig JSON>'`.
 * Spawned by `load-bench.ts`, one per target server, so the clients' sockets and CPU stay out of
 * the server's process. Progress goes to stderr; the figures, as one `RESULT {json}` line, to stdout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAll, openIdle } from './connect.js';
import { retainedHeapBytes } from './inspector.js';
import { LatencyRecorder } from './latency-recorder.js';
import { emptyCounts, LoadClient, type ReceivedCounts } from './load-client.js';
import type { LoadOptions, TargetKind } from './options.js';
import { cpuSeconds, machineCpuSeconds, memoryBytes } from './proc-stats.js';
import { createRooms } from './room-urls.js';
import { TypingSchedule } from './typing-schedule.js';

/** What the parent tells a generator to do: the workload's settings, and where the server is. */
export interface GeneratorConfig
  extends Pick<LoadOptions, 'sessions' | 'participants' | 'durationSec' | 'seed' | 'awarenessMs' | 'idleSessions' | 'connectConcurrency'> {
  target: TargetKind;
  /** `load`: the typing workload; `idle`: only the idle sessions, on a server that has served nothing else. */
  mode: 'load' | 'idle';
  baseUrl: string;
  /** The server's process id, to read its CPU time and memory from /proc. */
  serverPid: number;
  /** The server's V8 inspector, for the idle phase's heap readings. */
  inspectUrl: string | undefined;
}

/** The figures a generator reports for one target. */
export interface GeneratorResult {
  target: TargetKind;
  connectionsAttempted: number;
  /** Connected and synced after the ramp-up. */
  connectionsSynced: number;
  /** Still open at the end of the typing phase. */
  connectionsHeld: number;
  connectErrors: string[];
  rampSec: number;
  keystrokes: number;
  expectedDeliveries: number;
  deliveries: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  received: ReceivedCounts;
  serverCpuSec: number;
  typingSec: number;
  /** Wall-clock bounds of the typing phase (epoch ms), to pick the server's GC pauses that fell in it. */
  typingStartedAt: number;
  typingEndedAt: number;
  serverRssBeforeLoad: number;
  serverRssAfterLoad: number;
  serverPeakRss: number;
  generatorCpuSec: number;
  /** Busy share of every core during typing, all processes: what the server and generator use, plus anything else running. */
  machineBusyPercent: number;
  /** How late the typing timers fired (p99): high means the generator, not the server, set the pace. */
  generatorTimerLatenessP99Ms: number;
}

/** Time after the last keystroke for frames still in flight to arrive. */
const DRAIN_MS = 2000;

/** The `rank`th percentile of `values`; NaN when empty. */
function percentile(values: number[], rank: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1)]!;
}

/** The idle-session figures: RSS growth of a fresh server after `idleSessions` sessions with one synced participant each. */
export interface IdleResult {
  target: TargetKind;
  idleSessionsOpened: number;
  idleRssDelta: number;
  /** Growth of the server's JavaScript heap after full collections. */
  idleHeapDelta: number;
  connectErrors: string[];
}

/**
 * Opens the idle sessions on a server that has served nothing else: after a load, freed heap
 * would be reused by new sessions and hide their cost in an RSS delta.
 */
async function runIdle(config: GeneratorConfig): Promise<IdleResult> {
  const log = (message: string): void => void process.stderr.write(`[generator ${config.target}] ${message}\n`);
  const errors: string[] = [];
  // Twice as many sessions first, held open, so first-use costs stay out of the delta: code
  // compiled (the optimizing compiler still takes up hot functions after one round), pools grown,
  // and the young generation grown to the size this allocation rate gives it (V8 grows it up to
  // 3 × 16 MiB, which an RSS delta would otherwise count as per-session memory).
  const warm = await openIdle(config.target, config.baseUrl, 2 * config.idleSessions, `warm-${config.seed}-`, config.connectConcurrency, errors);
  await sleep(1000);
  if (!config.inspectUrl) throw new Error('the idle phase needs the server started with --inspect');
  // Measured from before the sessions are created: ours keeps a stored record for each.
  const heapBefore = await retainedHeapBytes(config.inspectUrl);
  const rssBefore = memoryBytes(config.serverPid).rss;
  const idle = await openIdle(config.target, config.baseUrl, config.idleSessions, `idle-${config.seed}-`, config.connectConcurrency, errors);
  await sleep(2000);
  const opened = idle.filter((client) => client?.synced && !client.closed).length;
  const delta = memoryBytes(config.serverPid).rss - rssBefore;
  const heapDelta = (await retainedHeapBytes(config.inspectUrl)) - heapBefore;
  log(`${opened} idle sessions: server RSS +${(delta / 2 ** 20).toFixed(1)} MiB, retained heap +${(heapDelta / 2 ** 20).toFixed(1)} MiB`);
  for (const client of [...warm, ...idle]) client?.close();
  return { target: config.target, idleSessionsOpened: opened, idleRssDelta: delta, idleHeapDelta: heapDelta, connectErrors: errors };
}

async function run(config: GeneratorConfig): Promise<GeneratorResult> {
  const log = (message: string): void => void process.stderr.write(`[generator ${config.target}] ${message}\n`);
  const recorder = new LatencyRecorder();
  const counts = emptyCounts();
  const rssBeforeLoad = memoryBytes(config.serverPid).rss;

  // Ramp-up: sessions, then every participant connected and synced before anyone types.
  const rooms = await createRooms(config.target, config.baseUrl, config.sessions, `load-${config.seed}`);
  const urls: string[] = [];
  const names: string[] = [];
  const seeds: number[] = [];
  for (let s = 0; s < config.sessions; s++) {
    for (let p = 0; p < config.participants; p++) {
      urls.push(rooms[s]!);
      names.push(`s${s}p${p}`);
      seeds.push((config.seed * 1_000_003 + s * 101 + p) >>> 0);
    }
  }
  const errors: string[] = [];
  const rampStarted = performance.now();
  const clients = await connectAll(urls, names, config.connectConcurrency, recorder, counts, errors);
  const rampSec = (performance.now() - rampStarted) / 1000;
  const synced = clients.filter((client) => client?.synced).length;
  log(`${synced}/${urls.length} connected and synced in ${rampSec.toFixed(1)} s`);
  await sleep(1000);

  // Typing phase: every participant on its own seeded schedule until the deadline.
  Object.assign(counts, emptyCounts());
  recorder.reset();
  // How late each typing timer fires: when the generator falls behind, keystrokes go out late and
  // fewer of them, and its own delays add to the measured latency.
  const lateness: number[] = [];
  const cpuBefore = cpuSeconds(config.serverPid);
  const machineBefore = machineCpuSeconds();
  const ownCpuBefore = process.cpuUsage();
  // Tells the server's probe (bench/load/gc-probe.mjs) to time its event loop from now on.
  process.kill(config.serverPid, 'SIGUSR2');
  const started = performance.now();
  const stopAt = started + config.durationSec * 1000;
  clients.forEach((client, index) => {
    if (!client) return;
    const schedule = new TypingSchedule(seeds[index]!);
    let due = 0;
    const tick = (): void => {
      const now = performance.now();
      if (now >= stopAt || !client.type(schedule.nextChar())) return;
      lateness.push(now - due);
      client.moveCursor(config.awarenessMs);
      const delay = schedule.nextDelay();
      due = now + delay;
      setTimeout(tick, delay);
    };
    const first = schedule.firstDelay();
    due = performance.now() + first;
    setTimeout(tick, first);
  });
  // Progress every 5 s: the keystroke rate shows whether the generator keeps its schedule.
  let last = { at: started, keystrokes: 0, deliveries: 0, server: cpuBefore, machine: machineCpuSeconds() };
  const progress = setInterval(() => {
    const now = { at: performance.now(), keystrokes: recorder.keystrokes, deliveries: recorder.deliveries, server: cpuSeconds(config.serverPid), machine: machineCpuSeconds() };
    const sec = (now.at - last.at) / 1000;
    const busy = now.machine.busy - last.machine.busy;
    const idle = now.machine.idle - last.machine.idle;
    log(`${((now.at - started) / 1000).toFixed(0)} s: ${((now.keystrokes - last.keystrokes) / sec).toFixed(0)} keys/s, ${((now.deliveries - last.deliveries) / sec).toFixed(0)} deliveries/s, server ${((100 * (now.server - last.server)) / sec).toFixed(0)}% of a core, machine ${((100 * busy) / Math.max(0.01, busy + idle)).toFixed(0)}% busy`);
    last = now;
  }, 5000);
  await sleep(config.durationSec * 1000);
  process.kill(config.serverPid, 'SIGUSR2');
  clearInterval(progress);
  const typingSec = (performance.now() - started) / 1000;
  const serverCpuSec = cpuSeconds(config.serverPid) - cpuBefore;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const machineAfter = machineCpuSeconds();
  const machineBusy = machineAfter.busy - machineBefore.busy;
  const machineTotal = machineBusy + machineAfter.idle - machineBefore.idle;
  const afterLoad = memoryBytes(config.serverPid);
  await sleep(DRAIN_MS);
  const held = clients.filter((client) => client && client.synced && !client.closed).length;
  const [p50, p95, p99] = recorder.percentiles(50, 95, 99);
  log(`typed ${recorder.keystrokes} keystrokes, ${recorder.deliveries} deliveries, p99 ${p99!.toFixed(1)} ms, ${held} held`);
  const result = {
    connectionsAttempted: urls.length,
    connectionsSynced: synced,
    connectionsHeld: held,
    rampSec,
    keystrokes: recorder.keystrokes,
    expectedDeliveries: recorder.keystrokes * (config.participants - 1),
    deliveries: recorder.deliveries,
    p50Ms: p50!,
    p95Ms: p95!,
    p99Ms: p99!,
    maxMs: recorder.max(),
    received: { ...counts },
  };
  for (const client of clients) client?.close();

  return {
    target: config.target,
    ...result,
    connectErrors: errors.slice(0, 5).concat(errors.length > 5 ? [`… and ${errors.length - 5} more`] : []),
    serverCpuSec,
    typingSec,
    typingStartedAt: performance.timeOrigin + started,
    typingEndedAt: performance.timeOrigin + started + typingSec * 1000,
    serverRssBeforeLoad: rssBeforeLoad,
    serverRssAfterLoad: afterLoad.rss,
    serverPeakRss: afterLoad.peak,
    machineBusyPercent: (100 * machineBusy) / Math.max(0.01, machineTotal),
    generatorCpuSec: (ownCpu.user + ownCpu.system) / 1e6,
    generatorTimerLatenessP99Ms: percentile(lateness, 99),
  };
}

const raw = process.argv[2];
if (!raw) {
  process.stderr.write('usage: generator.ts <GeneratorConfig JSON>\n');
  process.exit(2);
}
const config = JSON.parse(raw) as GeneratorConfig;
const result = config.mode === 'idle' ? await runIdle(config) : await run(config);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
// Sockets closed above may still be finishing their close handshakes; the figures are out.
process.exit(0);
