import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { exitOf, spawnNode, stopChild } from './child-processes.js';
import type { LoadStorage, TargetKind } from './options.js';

/** The repository root (bench/load/ is two levels down). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A server under test, running in its own process on 127.0.0.1. */
export interface TargetServer {
  kind: TargetKind;
  pid: number;
  baseUrl: string;
  /** The server's V8 inspector (http://127.0.0.1:PORT), when it was started with one. */
  inspectUrl: string | undefined;
  /** Stops the server (SIGTERM, so ours writes its CPU profile), removes its data directory, and returns what its probe saw. */
  stop(): Promise<ProbeReport>;
}

/** One garbage-collection pause of a server: wall-clock start (epoch ms) and duration (ms). */
export type GcPause = [at: number, ms: number];

/** How late the server's event loop ran a 10 ms timer during typing (ms), from its probe. */
export interface LoopDelay {
  p99: number;
  max: number;
}

/** What the probe preloaded into a server reports when it stops. */
export interface ProbeReport {
  pauses: GcPause[];
  loop: LoopDelay | null;
}

/** Preloaded into both servers: reports their GC pauses and event-loop delay when they stop (see the file). */
const GC_PROBE = ['--import', path.join(ROOT, 'bench', 'load', 'gc-probe.mjs')];

/** How to start ours or the reference, optionally with a CPU profile written to `cpuProfDir`. */
export interface TargetOptions {
  storage: LoadStorage;
  /** Our server's bundle (from `buildServer`). */
  ourBundle: string;
  cpuProfDir: string | undefined;
  /** Start the server with the V8 inspector on 127.0.0.1, to read its heap. */
  inspect?: boolean;
}

/** A port free on 127.0.0.1 right now (the OS picks it; the server binds it a moment later). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Waits until `url` answers 200, failing early if `child` exits first. */
async function waitReady(url: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited with ${child.exitCode ?? child.signalCode} before it was ready:\n${output.join('')}`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`server at ${url} not ready within 30 s (${last}):\n${output.join('')}`);
}

/** Starts ours (the bundle of `server/main.ts`) or the reference (`@y/websocket-server`'s `server.js`) and waits until it serves. */
export async function startTarget(kind: TargetKind, options: TargetOptions): Promise<TargetServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let dataDir: string | undefined;
  let child: ChildProcess;
  const inspectPort = options.inspect ? await freePort() : undefined;
  const inspect = inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : [];
  const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfDir)}`] : [];
  if (kind === 'ours') {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'interview-room-load-'));
    child = spawnNode([...GC_PROBE, ...inspect, ...profile, options.ourBundle], {
      PORT: String(port),
      HOST: '127.0.0.1',
      STORAGE: options.storage,
      DATA_DIR: dataDir,
      // Warnings and errors only: a log line per connection would measure the logger.
      LOG_LEVEL: 'warn',
      // Every simulated participant comes from 127.0.0.1, where real ones each have an address of
      // their own: the per-address limits would refuse the workload, so they are lifted (0 = off).
      RATE_LIMIT_API: '0',
      RATE_LIMIT_CREATE: '0',
      MAX_CONNECTIONS_PER_IP: '1000000',
    }, ['ignore', 'pipe', 'pipe']);
  } else {
    child = spawnNode([...GC_PROBE, ...inspect, ...profile, path.join(ROOT, 'node_modules', '@y', 'websocket-server', 'src', 'server.js')], { HOST: '127.0.0.1', PORT: String(port) }, ['ignore', 'pipe', 'pipe']);
  }
  // The last lines the server wrote, shown if it fails; the rest is dropped so a chatty server cannot fill memory.
  const output: string[] = [];
  const keep = (chunk: Buffer | string): void => {
    output.push(chunk.toString());
    if (output.length > 40) output.shift();
  };
  let report: ProbeReport = { pauses: [], loop: null };
  // 'exit' can come before the last line of stdout; 'close' comes after both.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('GCPROBE ')) report = JSON.parse(line.slice('GCPROBE '.length)) as ProbeReport;
    else keep(`${line}\n`);
  });
  child.stderr?.on('data', keep);
  const stop = async (): Promise<ProbeReport> => {
    try {
      const code = await stopChild(child);
      if (code !== 0 && code !== 'SIGTERM') process.stderr.write(`${kind} server exited with ${code}:\n${output.join('')}\n`);
      await closed;
      return report;
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    await waitReady(kind === 'ours' ? `${baseUrl}/healthz` : baseUrl, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error(`${kind} server has no pid`);
  void exitOf(child).then((code) => {
    if (code !== 0 && code !== 'SIGTERM') process.stderr.write(`${kind} server ended with ${code}\n`);
  });
  return { kind, pid: child.pid, baseUrl, inspectUrl: inspectPort ? `http://127.0.0.1:${inspectPort}` : undefined, stop };
}
