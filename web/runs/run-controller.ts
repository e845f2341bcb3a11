/**
 * Everything about running code that `<interview-room>` holds, as a Lit `ReactiveController`. It
 * owns a run from start to end: `start` begins one, `stop` ends it, `running` says whether one is
 * going. Every run is reported to the server as it happens (`RunWriter`, over the room's socket),
 * whether the sandboxed runner frame or the embedder's `CodeRunner` executes it; the server
 * records it in the session's document, and the panel renders the session's runs from the
 * document, so it follows every participant's runs live.
 *
 *   start ──▶ RunWriter: `start` sent; the server appends the run, status `running`
 *     │       SandboxClient.run(sink) or CodeRunner.run ── output ──▶ sink ──▶ RunWriter.append
 *     │                                                  └ progress ─▶ sink ──▶ panel (local only)
 *     └─ end (or stop) ──▶ RunWriter.finish(status, duration) ──▶ RunResult (room-run-result)
 *
 * Runs need the connection: the server records them, and only from the socket a run started on.
 * While the room is not connected `start` runs nothing (the element disables Run meanwhile); when
 * the socket drops during a run, the run is stopped here too (the server marks it `interrupted`),
 * and a run the server refuses (the session locked, too many runs) is stopped with the reason
 * shown under the runs.
 */
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from 'lit';
import type * as Y from 'yjs';
import { DEFAULT_RUN_TIMEOUT_MS, RUNS_ARRAY, isRunnerEnd } from '../../shared/runs.js';
import type { Room } from '../connection/room-connection.js';
import type { RunSink } from '../sandbox/run-sink.js';
import { SandboxClient, type RunOutcome } from '../sandbox/sandbox-client.js';
import { RunChannel } from './run-channel.js';
import { readRunViews, type RunView } from './run-records.js';
import { RunWriter, newRunId } from './run-writer.js';
import type { CodeRunner, RunRequest, RunResult } from './runner.js';
import { runsView } from './runs-view.js';

/** Longest accepted time limit; longer values are clamped (a stuck run holds the Run button). */
export const MAX_RUN_TIMEOUT_MS = 120_000;

/** What the controller reads from its element. */
export interface RunControllerOptions {
  /** Base URL of the service (the runner frame and Pyodide are served there). */
  server(): string;
}

/** The element's time-limit property (`run-timeout`, ms) as a usable number. */
export function runTimeoutMs(value: unknown): number {
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) return DEFAULT_RUN_TIMEOUT_MS;
  return Math.min(Math.max(ms, 100), MAX_RUN_TIMEOUT_MS);
}

/** Runs for one element; see the file comment. */
export class RunController implements ReactiveController {
  private doc: Y.Doc | null = null;
  private channel: RunChannel | null = null;
  private runs: RunView[] = [];
  private progress: string | null = null;
  /** Why the last local run was not (fully) recorded, shown under the runs until the next run. */
  private notice: string | null = null;
  private sandbox: SandboxClient | null = null;
  private sandboxServer = '';
  private stickToBottom = true;
  /** The local run going on, if any; aborting it stops the run. */
  private abort: AbortController | null = null;
  private readonly onRuns = (): void => {
    this.runs = this.doc ? readRunViews(this.doc) : [];
    this.host.requestUpdate();
  };

  constructor(private readonly host: ReactiveControllerHost & HTMLElement & { renderRoot: HTMLElement | DocumentFragment }, private readonly options: RunControllerOptions) {
    host.addController(this);
  }

  /** Whether the local participant's run is going (from `start` until it ended or was stopped). */
  get running(): boolean {
    return this.abort !== null;
  }

  /** Follows the room: its document and its socket (`null` when the room closed). */
  setRoom(room: Room | null): void {
    const doc = room?.doc ?? null;
    if (doc === this.doc) return;
    this.doc?.getArray(RUNS_ARRAY).unobserveDeep(this.onRuns);
    this.channel?.destroy();
    this.doc = doc;
    this.channel = room ? new RunChannel(room.provider) : null;
    doc?.getArray(RUNS_ARRAY).observeDeep(this.onRuns);
    this.onRuns();
    // The frame keeps a JavaScript worker warm, so make it while the room opens, not on Run.
    if (doc) this.sandboxFor().warmUp();
  }

  /**
   * Runs `request` (stopping a local run still going) in the built-in sandbox, or through `custom`
   * when the embedder set one, and reports it to the server. Resolves when it ended, never
   * rejects: a runner that throws gives an `error` result; a run the server refused, an `error`
   * with the reason; a run whose socket dropped, `interrupted`.
   */
  async start(request: RunRequest, custom: CodeRunner | null): Promise<RunResult> {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.host.requestUpdate();
    const started = performance.now();
    try {
      return await this.record(request, custom, abort);
    } catch (error) {
      return { status: 'error', output: `The runner failed: ${errorMessage(error)}`, durationMs: performance.now() - started };
    } finally {
      if (this.abort === abort) this.abort = null;
      this.host.requestUpdate();
    }
  }

  /** Stops the local run, if one is going (what the Stop button does). */
  stop(): void {
    this.abort?.abort();
  }

  /** The output panel. */
  render(): TemplateResult {
    return runsView({ runs: this.runs, progress: this.progress, notice: this.notice });
  }

  hostUpdate(): void {
    const panel = this.panel();
    this.stickToBottom = !panel || panel.scrollTop + panel.clientHeight >= panel.scrollHeight - 16;
  }

  hostUpdated(): void {
    const panel = this.panel();
    if (panel && this.stickToBottom) panel.scrollTop = panel.scrollHeight;
  }

  hostDisconnected(): void {
    this.sandbox?.destroy();
    this.sandbox = null;
    this.stop();
  }

  /**
   * Reports the run to the server while it executes; the executor's failure is reported as a
   * notice. The server refusing the run, or the socket dropping, stops it.
   */
  private async record(request: RunRequest, custom: CodeRunner | null, abort: AbortController): Promise<RunResult> {
    const id = newRunId();
    // Set when the server refused the run or its socket dropped: the run is stopped, and why is shown.
    const cut: { end: { status: 'error' | 'interrupted'; why: string } | null } = { end: null };
    const end = (status: 'error' | 'interrupted', why: string): void => {
      if (cut.end) return;
      cut.end = { status, why };
      this.showNotice(why);
      abort.abort();
    };
    const link = this.channel?.link(id, {
      refused: (reply) => end('error', `The server did not record this run: ${reply.message}.`),
      lost: () => end('interrupted', 'The connection dropped: the run was interrupted. Run it again once reconnected.'),
    });
    if (!link) return { status: 'error', output: 'Not connected: runs are recorded by the server. Run again once connected.', durationMs: 0 };
    this.showNotice(null);
    const timeoutMs = request.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    const writer = new RunWriter(id, link, request.language);
    const sink: RunSink = { output: (stream, text) => writer.append(stream, text), progress: (text) => this.showProgress(text) };
    const started = performance.now();
    let outcome: RunOutcome;
    try {
      outcome = custom
        ? await runCustom(custom, { code: request.code, language: request.language, timeoutMs }, sink, abort.signal)
        : await this.sandboxFor().run({ ...request, runId: id, timeoutMs }, sink, abort.signal);
    } catch (error) {
      writer.notice(`The runner failed: ${errorMessage(error)}\n`);
      outcome = { status: 'error', durationMs: performance.now() - started };
    } finally {
      this.showProgress(null);
    }
    if (cut.end) {
      // A refused message may leave the run going on the server (output past a limit): end it there too.
      if (cut.end.status === 'error') writer.finish(outcome.status, outcome.durationMs);
      else link.close();
      return { status: cut.end.status, output: `${writer.outputText}\n${cut.end.why}\n`, durationMs: outcome.durationMs };
    }
    if (outcome.status === 'timeout') writer.notice(`\nTime limit exceeded: stopped after ${formatSeconds(timeoutMs)}.\n`);
    if (outcome.status === 'stopped') writer.notice('\nStopped.\n');
    writer.finish(outcome.status, outcome.durationMs);
    return { status: outcome.status, output: writer.outputText, durationMs: outcome.durationMs };
  }

  private showNotice(text: string | null): void {
    this.notice = text;
    this.host.requestUpdate();
  }

  private showProgress(text: string | null): void {
    this.progress = text;
    this.host.requestUpdate();
  }

  private panel(): HTMLElement | null {
    return this.host.renderRoot.querySelector<HTMLElement>('.runs');
  }

  private sandboxFor(): SandboxClient {
    const server = this.options.server().replace(/\/+$/, '');
    if (!this.sandbox || this.sandboxServer !== server) {
      this.sandbox?.destroy();
      this.sandboxServer = server;
      this.sandbox = new SandboxClient(`${server}/runner/frame.html`, () => (this.host.isConnected ? this.host.renderRoot : null));
    }
    return this.sandbox;
  }
}

/** Runs an embedder's `CodeRunner`: its whole output becomes one chunk, and `unavailable` (or `interrupted`) ends as `error`. */
async function runCustom(runner: CodeRunner, request: Required<RunRequest>, sink: RunSink, signal: AbortSignal): Promise<RunOutcome> {
  const result = await runner.run(request, signal);
  sink.output(result.status === 'ok' ? 'stdout' : 'stderr', result.output);
  return { status: isRunnerEnd(result.status) ? result.status : 'error', durationMs: result.durationMs };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
