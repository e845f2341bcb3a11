/**
 * Script of the runner frame (`/runner/frame.html`), loaded by `<interview-room>` in
 * `<iframe sandbox="allow-scripts">` and served with a CSP `sandbox` of its own, so its origin is
 * opaque however it is embedded. It accepts `run`/`stop`/`runtime` from its parent only, and runs
 * no user code itself: every program runs in a module worker of its own, started from a `data:`
 * URL (the only kind that starts in an opaque-origin frame), given half of a private
 * MessagePort, and terminated when its run ends. This realm keeps the channel to the page; a
 * `SupervisedRun` turns what the worker sends into the events the page gets, and decides the run's
 * status, duration and system lines (run-supervisor.ts).
 *
 * Workers are never reused, so nothing a program does (a patched global or prototype, a patched
 * `print`, a module changed in `sys.modules`) reaches the next run. To keep runs quick to start,
 * the frame holds a spare worker per language made before it is needed: a JavaScript one at once
 * (it starts in milliseconds), and a Python one that loads Pyodide in the background after each
 * Python run (a load takes seconds).
 */
import type { Language } from '../../shared/languages.js';
import { SupervisedRun } from './run-supervisor.js';
import { parsePageToFrame, type FrameRunMessage, type RuntimeFiles, type SandboxEvent } from './sandbox-protocol.js';

/** The worker's bundled source, inlined by scripts/build-runner.mjs. */
declare const RUNNER_WORKER_SOURCE: string;
/** Where Pyodide is served, relative to this page (`/pyodide/<version>/`), set by the build. */
declare const RUNNER_PYODIDE_PATH: string;

/** A worker for one run, and the frame's half of its port. */
interface Slot {
  worker: Worker;
  port: MessagePort;
}

const workerUrl = `data:text/javascript;charset=utf-8,${encodeURIComponent(RUNNER_WORKER_SOURCE)}`;
const indexURL = new URL(RUNNER_PYODIDE_PATH, location.href).href;
// The parent's origin when the browser tells us (Chromium does, even here); `*` otherwise. The
// messages carry only run output, which the whole room sees anyway.
const ancestor = location.ancestorOrigins?.[0];
const parentOrigin = ancestor && ancestor !== 'null' ? ancestor : '*';

/** Workers made ahead of their run, at most one per language; none has run anything. */
const spares = new Map<Language, Slot>();
/** The Python runtime's files from the page, kept to hand to every new Python worker. */
let runtime: RuntimeFiles | null = null;
let active: { slot: Slot; run: SupervisedRun } | null = null;

function toParent(event: SandboxEvent): void {
  parent.postMessage(event, parentOrigin);
}

/**
 * A new worker for `language`. Its messages reach the run it serves and nothing else; the frame
 * never listens on the worker's own scope (`worker.onmessage`), where a program can post too.
 */
function makeSlot(language: Language): Slot {
  const worker = new Worker(workerUrl, { type: 'module', name: 'code-runner' });
  const channel = new MessageChannel();
  worker.postMessage({ type: 'init', indexURL }, [channel.port2]);
  const slot: Slot = { worker, port: channel.port1 };
  slot.port.onmessage = (event) => {
    if (active?.slot === slot) active.run.receive(event.data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    if (active?.slot === slot) active.run.crashed();
    else if (spares.get(language) === slot) {
      // A spare that failed before its run is replaced by the run itself.
      spares.delete(language);
      slot.worker.terminate();
    }
  };
  // A copy of the files (the frame keeps its own for the next worker).
  if (language === 'python' && runtime) slot.port.postMessage({ type: 'runtime', files: runtime });
  return slot;
}

/** Makes the spare for `language` if there is none: a Python one starts loading Pyodide at once. */
function prepareSpare(language: Language): void {
  if (spares.has(language)) return;
  const slot = makeSlot(language);
  if (language === 'python') slot.port.postMessage({ type: 'load' });
  spares.set(language, slot);
}

function start(message: FrameRunMessage): void {
  active?.run.stop();
  const slot = spares.get(message.language) ?? makeSlot(message.language);
  spares.delete(message.language);
  const run = new SupervisedRun(message, {
    toPage: toParent,
    ended: () => {
      if (active?.run === run) active = null;
      slot.worker.terminate();
      slot.port.close();
      // The next Python run finds a loaded runtime if it comes a few seconds later; loading only
      // now keeps the background load from competing with the program for the CPU.
      if (message.language === 'python') prepareSpare('python');
    },
  });
  active = { slot, run };
  slot.port.postMessage({ type: 'run', language: message.language, code: message.code });
  // A JavaScript worker starts quickly, so the next one is made now, ready for the next run.
  if (message.language === 'javascript') prepareSpare('javascript');
}

addEventListener('message', (event: MessageEvent) => {
  if (event.source !== parent) return;
  const message = parsePageToFrame(event.data);
  if (!message) return;
  if (message.type === 'runtime') {
    runtime = message.files;
    spares.get('python')?.port.postMessage({ type: 'runtime', files: runtime });
  } else if (message.type === 'run') start(message);
  else if (active?.run.runId === message.runId) active.run.stop();
});

prepareSpare('javascript');
toParent({ type: 'ready', runtimePath: RUNNER_PYODIDE_PATH });
