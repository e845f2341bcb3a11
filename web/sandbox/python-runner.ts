/**
 * Python in the runner worker: the worker loads Pyodide once (for its run, or ahead of it when it
 * is the frame's spare) and runs one program in it; the next run gets a new worker and a new
 * interpreter, since a program can change an interpreter in ways no reset undoes (builtins,
 * modules, the JavaScript globals Pyodide itself uses). Normally the page hands over the runtime's files (fetched
 * through its own, cached, HTTP requests): they are imported from `blob:` URLs and served to
 * Pyodide's `fetch` from memory. Without them (the page could not fetch), Pyodide is loaded from
 * `indexURL` on our server (served with `Access-Control-Allow-Origin: *`, this origin being
 * opaque), with downloads counted for the progress line.
 */
import type { RuntimeFiles } from './sandbox-protocol.js';
import type { RunSink } from './run-sink.js';

/** The part of Pyodide's API the runner uses. */
interface Pyodide {
  setStdout(options: { write(buffer: Uint8Array): number; isatty?: boolean }): void;
  setStderr(options: { write(buffer: Uint8Array): number; isatty?: boolean }): void;
  setStdin(options: { error: boolean }): void;
  runPython(code: string, options?: { globals?: unknown }): unknown;
  globals: { get(name: string): unknown };
}

// Runs the program with a fresh `__main__` namespace, registers its source so tracebacks show the
// offending lines, and prints the traceback without the runner's own frame.
const RUN_PY = `
import sys, traceback, linecache
def _ir_run(code):
    linecache.cache["main.py"] = (len(code), None, code.splitlines(True), "main.py")
    scope = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(compile(code, "main.py", "exec"), scope)
        return 0
    except SystemExit as exc:
        if exc.code is None or exc.code == 0:
            return 0
        if not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
        return 1
    except BaseException as exc:
        tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
        traceback.print_exception(type(exc), exc, tb)
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
`;

let runtime: Promise<{ pyodide: Pyodide; run: (code: string) => number }> | null = null;
let progress: ((text: string) => void) | null = null;
let files: RuntimeFiles | null = null;

/** Keeps the runtime's files from the page for the load (ignored once Pyodide is loading). */
export function setRuntimeFiles(value: RuntimeFiles): void {
  files = value;
}

type LoadPyodide = (options: {
  indexURL: string;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  createPyodideModule?: unknown;
  lockFileContents?: string;
}) => Promise<Pyodide>;

/** Imports a module from bytes (a `blob:` URL, revoked once imported). */
async function importBytes(bytes: ArrayBuffer): Promise<Record<string, unknown>> {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'text/javascript' }));
  try {
    return (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Loads Pyodide once (later calls share the promise), reporting download progress to `onProgress`. */
export function loadPython(indexURL: string, onProgress: (text: string) => void): Promise<{ pyodide: Pyodide; run: (code: string) => number }> {
  progress = onProgress;
  runtime ??= load(indexURL);
  return runtime;
}

async function load(indexURL: string): Promise<{ pyodide: Pyodide; run: (code: string) => number }> {
  const scope = globalThis as unknown as { fetch: typeof fetch };
  const realFetch = scope.fetch;
  let loaded = 0;
  let total = 0;
  let lastReport = 0;
  const report = (force = false): void => {
    const now = performance.now();
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
    progress?.(total > 0 ? `Loading the Python runtime: ${mb(loaded)} of ${mb(Math.max(total, loaded))} MB` : 'Loading the Python runtime…');
  };
  const given = files;
  const inMemory: Record<string, { bytes: ArrayBuffer; type: string }> = given
    ? {
        'pyodide.asm.wasm': { bytes: given['pyodide.asm.wasm'], type: 'application/wasm' },
        'python_stdlib.zip': { bytes: given['python_stdlib.zip'], type: 'application/zip' },
      }
    : {};
  // Serves the page's files from memory; otherwise counts the bytes of each download by reading a
  // clone (Pyodide gets the original response, whose URL lets Chromium cache the compiled wasm).
  scope.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const local = inMemory[url.slice(url.lastIndexOf('/') + 1)];
    if (local) return new Response(local.bytes, { status: 200, headers: { 'Content-Type': local.type } });
    const response = await realFetch(input, init);
    const body = response.clone().body;
    if (!body) return response;
    total += Number(response.headers.get('content-length') ?? 0);
    void (async () => {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        loaded += value.byteLength;
        report();
      }
    })().catch(() => undefined);
    return response;
  };
  if (!given) report(true);
  else progress?.('Starting Python…');
  try {
    let pyodide: Pyodide;
    const quiet = { indexURL, stdout: () => undefined, stderr: () => undefined };
    if (given) {
      const loader = (await importBytes(given['pyodide.mjs'])).loadPyodide as LoadPyodide;
      const createPyodideModule = (await importBytes(given['pyodide.asm.mjs'])).default;
      const lockFileContents = new TextDecoder().decode(given['pyodide-lock.json']);
      pyodide = await loader({ ...quiet, createPyodideModule, lockFileContents });
    } else {
      const module = (await import(/* @vite-ignore */ new URL('pyodide.mjs', indexURL).href)) as { loadPyodide: LoadPyodide };
      pyodide = await module.loadPyodide(quiet);
    }
    progress?.('Starting Python…');
    pyodide.setStdin({ error: true });
    pyodide.runPython(RUN_PY);
    const runner = pyodide.globals.get('_ir_run') as (code: string) => number;
    return { pyodide, run: (code) => runner(code) };
  } catch (error) {
    runtime = null;
    throw error;
  } finally {
    scope.fetch = realFetch;
  }
}

/** Runs `code` in Pyodide with stdout/stderr going to `sink`; returns the exit status (0 = ok). */
export function runPython(py: { pyodide: Pyodide; run: (code: string) => number }, code: string, sink: RunSink): number {
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const writer = (stream: 'stdout' | 'stderr') => ({
    // A tty makes Python line-buffer stdout, so lines appear as they are printed, not at exit.
    isatty: true,
    write(buffer: Uint8Array): number {
      sink.output(stream, decoders[stream].decode(buffer, { stream: true }));
      return buffer.length;
    },
  });
  py.pyodide.setStdout(writer('stdout'));
  py.pyodide.setStderr(writer('stderr'));
  return py.run(code);
}
