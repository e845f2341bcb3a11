/**
 * Entry of the runner worker, a module worker the runner frame starts from a `data:` URL (so it has
 * an opaque origin: no storage, no IndexedDB, no cookies). It waits for `init` carrying a private
 * MessagePort and then talks only over that port: user code can call `postMessage` on the worker
 * scope, but the frame ignores that channel, so it cannot forge the runner's messages.
 * Every worker runs one program and is thrown away (a Python one loads Pyodide for it).
 */
import { parseRuntimeFiles, parseWorkerRun } from './sandbox-protocol.js';
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
    const post = (message: unknown): void => port.postMessage(message);
    let busy = false;
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
      if (!run || busy) return;
      busy = true;
      const sink = portSink(post, run.runId);
      if (run.language === 'javascript') {
        post({ type: 'started', runId: run.runId });
        const started = performance.now();
        runJavaScript(run.code, sink, (status) => post({ type: 'done', runId: run.runId, status, durationMs: performance.now() - started }));
        return;
      }
      void (async () => {
        let py;
        try {
          py = await loadPython(indexURL, (text) => sink.progress(text));
        } catch (error) {
          sink.output('system', `The Python runtime could not be loaded: ${errorText(error)}\n`);
          post({ type: 'done', runId: run.runId, status: 'error', durationMs: 0 });
          busy = false;
          return;
        }
        post({ type: 'started', runId: run.runId });
        const started = performance.now();
        let status: 'ok' | 'error' = 'error';
        try {
          status = runPython(py, run.code, sink) === 0 ? 'ok' : 'error';
        } catch (error) {
          sink.output('stderr', `${errorText(error)}\n`);
        }
        post({ type: 'done', runId: run.runId, status, durationMs: performance.now() - started });
        busy = false;
      })();
    };
  },
  { once: true },
);
