import { spawn, type ChildProcess } from 'node:child_process';

/** Ceiling on open files set in every spawned process: this machine's per-process maximum. */
const OPEN_FILES = 20_000;

const running = new Set<ChildProcess>();
let hooked = false;

/** Kills every child still running (SIGKILL: the parent is leaving and cannot wait). */
function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Spawns `node ...args` under `bash -c 'ulimit -n 20000; exec node …'` (exec keeps the pid, so
 * /proc/<pid> is node's own). Every child is killed when this process exits, is interrupted or
 * throws, so no server or generator outlives a run.
 */
export function spawnNode(args: string[], env: Record<string, string>, stdio: Array<'ignore' | 'pipe' | 'inherit'>): ChildProcess {
  if (!hooked) {
    hooked = true;
    process.on('exit', killAll);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        killAll();
        process.exit(130);
      });
    }
  }
  const child = spawn('bash', ['-c', `ulimit -n ${OPEN_FILES} && exec "$0" "$@"`, process.execPath, ...args], {
    env: { ...process.env, ...env },
    stdio: stdio as Array<'ignore' | 'pipe' | 'inherit'>,
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

/** Resolves with the exit code (or signal name) of `child`, at once if it has already exited. */
export function exitOf(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode ?? -1);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

/** Sends SIGTERM, then SIGKILL if `child` has not exited after `graceMs`; resolves once it has. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<number | string> {
  const exited = exitOf(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
