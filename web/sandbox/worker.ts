/**
 * Entry of the runner worker, a module worker the runner frame starts from a `data:` URL (so it has
 * an opaque origin: no storage, no IndexedDB, no cookies). It serves exactly one run, and the frame
 * terminates it when that run ends, so nothing a program changes here outlives its run.
 *
 * It waits for `init` carrying a private MessagePort, then talks only over that port, through
 * `post`: `postMessage` bound to the port before any program exists in this realm. A program may
 * then rewrite every prototype here (`MessagePort.prototype.postMessage`, `Function.prototype.call`,
 * `Reflect.apply`...) without ever being handed the port, and the worker stops listening on the
 * port before the program starts, so no message event can carry it either. A program can post on
 * the worker's own scope, which the frame does not read. Even a program that got hold of the port
 * could only send output and an exit: the frame takes those as data and decides the rest.
 */
import type { WorkerEvent, WorkerRunMessage } from './sandbox-protocol.js';
import { MAX_FAILURE_TEXT, parseRuntimeFiles, parseWorkerRun } from './sandbox-protocol.js';
import { portSink } from './run-sink.js';
import { errorText } from './inspect.js';
import { runJavaScript } from './js-runner.js';
import { loadPython, runPython, setRuntimeFiles } from './python-runner.js';

const self_ = globalThis as unknown as EventTarget;

self_.addEventListener(
  'message',
  (event) => {
    const { data, ports } = event as MessageEvent;
    const port = ports[0];
    const init = data as { type?: unknown; indexURL?: unknown };
    if (!port || init.type !== 'init' || typeof init.indexURL !== 'string') return;
    const indexURL = init.indexURL;
    const post = MessagePort.prototype.postMessage.bind(port) as (message: WorkerEvent) => void;
    port.onmessage = (message: MessageEvent) => {
      const type = (message.data as { type?: unknown }).type;
      if (type === 'runtime') {
        const files = parseRuntimeFiles((message.data as { files?: unknown }).files);
        if (files) setRuntimeFiles(files);
        return;
      }
      if (type === 'load') {
        loadPython(indexURL, () => undefined).catch(() => undefined);
        return;
      }
      const run = parseWorkerRun(message.data);
      if (!run) return;
      port.onmessage = null;
      if (run.language === 'javascript') runJs(run, post);
      else void runPy(run, indexURL, post);
    };
  },
  { once: true },
);

function runJs(run: WorkerRunMessage, post: (message: WorkerEvent) => void): void {
  post({ type: 'started' });
  runJavaScript(run.code, portSink(post), (status) => post({ type: 'exit', status }));
}

async function runPy(run: WorkerRunMessage, indexURL: string, post: (message: WorkerEvent) => void): Promise<void> {
  const sink = portSink(post);
  let py;
  try {
    py = await loadPython(indexURL, (text) => sink.progress(text));
  } catch (error) {
    post({ type: 'failed', reason: errorText(error).slice(0, MAX_FAILURE_TEXT) });
    return;
  }
  post({ type: 'started' });
  let status: 'ok' | 'error' = 'error';
  try {
    status = runPython(py, run.code, sink) === 0 ? 'ok' : 'error';
  } catch (error) {
    sink.output('stderr', `${errorText(error)}\n`);
  } finally {
    // Even if the program broke what the lines above use, the frame hears that it ended.
    post({ type: 'exit', status });
  }
}
