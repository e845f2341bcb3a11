/**
 * Script of the runner frame (`/runner/frame.html`), loaded by `<interview-room>` in
 * `<iframe sandbox="allow-scripts">` and served with a CSP `sandbox` of its own, so its origin is
 * opaque however it is embedded. It accepts `run`/`stop` from its parent only, starts module
 * workers from a `data:` URL (the only kind that starts in an opaque-origin frame), enforces the
 * time limit by terminating the worker, and relays validated events back to the parent. Every run
 * gets a worker of its own; spares made ahead of time keep runs quick to start.
 */
import { parsePageToFrame, parseSandboxEvent, type FrameRunMessage, type RuntimeFiles, type SandboxEvent } from './sandbox-protocol.js';
import type { RunEnd } from '../../shared/runs.js';

/** The worker's bundled source, inlined by scripts/build-runner.mjs. */
declare const RUNNER_WORKER_SOURCE: string;
/** Where Pyodide is served, relative to this page (`/pyodide/<version>/`), set by the build. */
declare const RUNNER_PYODIDE_PATH: string;

interface Slot {
  worker: Worker;
  port: MessagePort;
}

interface ActiveRun {
  message: FrameRunMessage;
  slot: Slot;
  startedAt: number | null;
  timer: ReturnType<typeof setTimeout> | null;
}

const workerUrl = `data:text/javascript;charset=utf-8,${encodeURIComponent(RUNNER_WORKER_SOURCE)}`;
const indexURL = new URL(RUNNER_PYODIDE_PATH, location.href).href;
// The parent's origin when the browser tells us (Chromium does, even here); `*` otherwise. The
// messages carry only run output, which the whole room sees anyway.
const ancestor = location.ancestorOrigins?.[0];
const parentOrigin = ancestor && ancestor !== 'null' ? ancestor : '*';

let spareJs: Slot | null = null;
/** The next Python run's worker, made (and loading Pyodide) ahead of it; it has run nothing yet. */
let python: Slot | null = null;
/** The Python runtime's files from the page, kept to hand to every new Python worker. */
let runtime: RuntimeFiles | null = null;
let active: ActiveRun | null = null;

function toParent(event: SandboxEvent): void {
  parent.postMessage(event, parentOrigin);
}

function makeSlot(): Slot {
  const worker = new Worker(workerUrl, { type: 'module', name: 'code-runner' });
  const channel = new MessageChannel();
  worker.postMessage({ type: 'init', indexURL }, [channel.port2]);
  const slot: Slot = { worker, port: channel.port1 };
  slot.port.onmessage = (event) => onWorkerEvent(slot, event.data);
  return slot;
}

/** A worker for Python, given the runtime's files when the page has sent them (a copy: the frame keeps its own). */
function makePythonSlot(): Slot {
  const slot = makeSlot();
  if (runtime) slot.port.postMessage({ type: 'runtime', files: runtime });
  return slot;
}

function onWorkerEvent(slot: Slot, data: unknown): void {
  const event = parseSandboxEvent(data);
  const run = active;
  if (!event || event.type === 'ready' || !run || run.slot !== slot || event.runId !== run.message.runId) return;
  if (event.type === 'started') {
    run.startedAt = performance.now();
    run.timer = setTimeout(() => end(run, 'timeout'), run.message.timeoutMs);
  }
  if (event.type === 'done') {
    end(run, event.status === 'ok' ? 'ok' : 'error', event.durationMs);
    return;
  }
  toParent(event);
}

/**
 * Ends the active run and terminates its worker: no worker is reused, so nothing a program changes
 * (a patched global or prototype, a patched `print`, a module changed in `sys.modules`) reaches
 * the next run.
 */
function end(run: ActiveRun, status: RunEnd, durationMs?: number): void {
  if (active !== run) return;
  active = null;
  if (run.timer !== null) clearTimeout(run.timer);
  const measured = durationMs ?? (run.startedAt === null ? 0 : performance.now() - run.startedAt);
  run.slot.worker.terminate();
  if (run.slot === python) {
    // A fresh Python worker starts loading now, so a run a few seconds later finds it ready;
    // loading only after the run keeps it from competing with the program for the CPU.
    python = makePythonSlot();
    python.port.postMessage({ type: 'load' });
  }
  if (run.message.language === 'javascript') spareJs ??= makeSlot();
  toParent({ type: 'done', runId: run.message.runId, status, durationMs: measured });
}

function start(message: FrameRunMessage): void {
  if (active) end(active, 'stopped');
  let slot: Slot;
  if (message.language === 'javascript') {
    slot = spareJs ?? makeSlot();
    spareJs = null;
  } else {
    python ??= makePythonSlot();
    slot = python;
  }
  active = { message, slot, startedAt: null, timer: null };
  slot.port.postMessage({ type: 'run', runId: message.runId, language: message.language, code: message.code });
  // Keeps a JS worker warm for the next run, so the first output comes quickly.
  if (message.language === 'javascript') spareJs = makeSlot();
}

addEventListener('message', (event: MessageEvent) => {
  if (event.source !== parent) return;
  const message = parsePageToFrame(event.data);
  if (!message) return;
  if (message.type === 'runtime') {
    runtime = message.files;
    python?.port.postMessage({ type: 'runtime', files: runtime });
  } else if (message.type === 'run') start(message);
  else if (active && active.message.runId === message.runId) end(active, 'stopped');
});

spareJs = makeSlot();
toParent({ type: 'ready', runtimePath: RUNNER_PYODIDE_PATH });
