/**
 * The page's side of the runner frame: a hidden `<iframe sandbox="allow-scripts">` (no
 * `allow-same-origin`, so an opaque origin) loaded from `<server>/runner/frame.html`, spoken to only
 * by postMessage. Only messages whose `source` is that iframe's window and that have a valid shape
 * are read. The frame enforces the time limit; this side also gives up 2 s after it (replacing
 * the frame) in case the frame itself stops answering.
 */
import type { Language } from '../../shared/languages.js';
import type { RunnerEnd } from '../../shared/runs.js';
import type { RunSink } from './run-sink.js';
import { RUNTIME_FILES, parseSandboxEvent, type RuntimeFiles, type SandboxEvent } from './sandbox-protocol.js';

/** How a run ended and how long its program ran (0 when it never started). */
export interface RunOutcome {
  status: RunnerEnd;
  durationMs: number;
}

/** How long the frame may take to load before runs fail with an explanation. */
const FRAME_LOAD_MS = 15_000;
/** How long a run may wait for its runtime (Pyodide's first download) before it fails. */
const RUNTIME_LOAD_MS = 120_000;
/** Grace after the time limit before the page stops trusting the frame and replaces it. */
const GRACE_MS = 2_000;

interface PendingRun {
  runId: string;
  sink: RunSink;
  resolve(outcome: RunOutcome): void;
  timer: ReturnType<typeof setTimeout>;
  timeoutMs: number;
  postedAt: number;
  startedAt: number | null;
}

/** One runner frame for one element; `destroy()` removes it. */
export class SandboxClient {
  private iframe: HTMLIFrameElement | null = null;
  private ready: Promise<void> | null = null;
  private markReady: (() => void) | null = null;
  private pending: PendingRun | null = null;
  private runtimePath = '';
  private runtimeSent = false;
  private readonly onMessage = (event: MessageEvent): void => this.receive(event);

  /** `frameUrl`: the runner page; `mount`: where the hidden iframe goes (the element's shadow root). */
  constructor(private readonly frameUrl: string, private readonly mount: () => Node | null) {}

  /** Creates the frame now (it then keeps a warm JS worker), so the first run starts quickly. */
  warmUp(): void {
    void this.whenReady().catch(() => undefined);
  }

  /**
   * Runs `code`, reporting its output and loading progress to `sink`; resolves when it ended, and
   * never rejects for the program's own failures. Aborting `signal` stops it.
   */
  async run(request: { runId: string; code: string; language: Language; timeoutMs: number }, sink: RunSink, signal: AbortSignal): Promise<RunOutcome> {
    await this.whenReady();
    if (request.language === 'python' && !this.runtimeSent) await this.sendRuntime(sink);
    if (signal.aborted) return { status: 'stopped', durationMs: 0 };
    this.pending?.resolve({ status: 'stopped', durationMs: 0 });
    return new Promise((resolve) => {
      const run: PendingRun = {
        runId: request.runId,
        sink,
        timeoutMs: request.timeoutMs,
        postedAt: performance.now(),
        startedAt: null,
        timer: setTimeout(() => this.abandon(run, 'error', 'The runtime did not start in time.'), RUNTIME_LOAD_MS),
        resolve: (end) => {
          clearTimeout(run.timer);
          signal.removeEventListener('abort', onAbort);
          if (this.pending === run) this.pending = null;
          sink.progress(null);
          resolve(end);
        },
      };
      const onAbort = (): void => this.post({ type: 'stop', runId: run.runId });
      signal.addEventListener('abort', onAbort);
      this.pending = run;
      this.post({ type: 'run', runId: request.runId, language: request.language, code: request.code, timeoutMs: request.timeoutMs });
    });
  }

  /** Removes the frame (its workers die with it); a later run makes a new one. */
  destroy(): void {
    this.pending?.resolve({ status: 'stopped', durationMs: 0 });
    removeEventListener('message', this.onMessage);
    this.iframe?.remove();
    this.iframe = null;
    this.ready = null;
    this.markReady = null;
    this.runtimeSent = false;
  }

  /**
   * Downloads Pyodide's files here, where the HTTP cache works (the sandbox's opaque origin gets
   * no cache), and hands them to the frame. If that fails (say the embedding page's CSP forbids
   * the request), the sandbox downloads them itself, uncached.
   */
  private async sendRuntime(sink: RunSink): Promise<void> {
    const base = new URL(this.runtimePath, this.frameUrl).href;
    try {
      const responses = await Promise.all(RUNTIME_FILES.map((name) => fetch(new URL(name, base))));
      const bad = responses.find((response) => !response.ok);
      if (bad) throw new Error(`${bad.url}: HTTP ${bad.status}`);
      const total = responses.reduce((sum, response) => sum + Number(response.headers.get('content-length') ?? 0), 0);
      let loaded = 0;
      let shown = 0;
      const bodies = await Promise.all(
        responses.map(async (response) => {
          const reader = response.body!.getReader();
          const chunks: Uint8Array[] = [];
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            chunks.push(value);
            loaded += value.byteLength;
            if (performance.now() - shown > 100) {
              shown = performance.now();
              sink.progress(`Loading the Python runtime: ${mb(loaded)} of ${mb(Math.max(total, loaded))} MB`);
            }
          }
          return concat(chunks);
        }),
      );
      const files = Object.fromEntries(RUNTIME_FILES.map((name, i) => [name, bodies[i]!])) as RuntimeFiles;
      sink.progress('Starting Python…');
      this.iframe?.contentWindow?.postMessage({ type: 'runtime', files }, '*', Object.values(files));
    } catch {
      sink.progress('Loading the Python runtime…');
    }
    this.runtimeSent = true;
  }

  private whenReady(): Promise<void> {
    if (this.ready) return this.ready;
    const parent = this.mount();
    if (!parent) return Promise.reject(new Error('the element is not in a document'));
    const iframe = document.createElement('iframe');
    // No allow-same-origin: the frame's origin is opaque, whatever URL it comes from.
    iframe.setAttribute('sandbox', 'allow-scripts');
    iframe.setAttribute('aria-hidden', 'true');
    iframe.tabIndex = -1;
    iframe.title = 'Code runner';
    iframe.className = 'runner-frame';
    // Not display:none: Chromium throttles timers in hidden cross-origin frames, and the time
    // limit lives in that frame.
    iframe.style.cssText = 'position:absolute;width:1px;height:1px;border:0;opacity:0;pointer-events:none;';
    iframe.src = this.frameUrl;
    this.iframe = iframe;
    addEventListener('message', this.onMessage);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.destroy();
        reject(new Error(`the code runner (${this.frameUrl}) did not load; the page's Content Security Policy must allow framing it (frame-src)`));
      }, FRAME_LOAD_MS);
      this.markReady = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.ready = ready;
    parent.appendChild(iframe);
    return ready;
  }

  private post(message: unknown): void {
    // The frame's origin is opaque ("null"), which only `*` can address; the iframe is ours.
    this.iframe?.contentWindow?.postMessage(message, '*');
  }

  private receive(event: MessageEvent): void {
    if (!this.iframe || event.source !== this.iframe.contentWindow) return;
    const message = parseSandboxEvent(event.data);
    if (!message) return;
    if (message.type === 'ready') {
      this.runtimePath = message.runtimePath;
      this.markReady?.();
      return;
    }
    const run = this.pending;
    if (!run || message.runId !== run.runId) return;
    this.handle(run, message);
  }

  private handle(run: PendingRun, message: Exclude<SandboxEvent, { type: 'ready' }>): void {
    switch (message.type) {
      case 'progress':
        run.sink.progress(message.text);
        break;
      case 'started':
        run.startedAt = performance.now();
        run.sink.progress(null);
        clearTimeout(run.timer);
        run.timer = setTimeout(() => this.abandon(run, 'timeout', null), run.timeoutMs + GRACE_MS);
        break;
      case 'output':
        run.sink.output(message.stream, message.text);
        break;
      case 'done':
        run.resolve({ status: message.status, durationMs: message.durationMs });
        break;
    }
  }

  /** The frame stopped answering: replace it and end the run. */
  private abandon(run: PendingRun, status: RunnerEnd, why: string | null): void {
    if (this.pending !== run) return;
    if (why) run.sink.output('system', `${why}\n`);
    const durationMs = performance.now() - (run.startedAt ?? run.postedAt);
    this.pending = null;
    this.destroy();
    run.resolve({ status, durationMs });
  }
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/** The chunks as one ArrayBuffer (what postMessage can transfer). */
function concat(chunks: readonly Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out.buffer;
}
