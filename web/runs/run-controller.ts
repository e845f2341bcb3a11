/**
 * Everything about running code that `<interview-room>` holds, as a Lit `ReactiveController`: the
 * session's runs (observed in the document, so the panel follows every participant's runs live),
 * the sandboxed runner frame, the built-in `SharedRunner`, and local loading progress.
 */
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from 'lit';
import type * as Y from 'yjs';
import { DEFAULT_RUN_TIMEOUT_MS, RUNS_ARRAY } from '../../shared/runs.js';
import { readRunViews, type RunView } from './run-records.js';
import type { CodeRunner } from './runner.js';
import { runsView } from './runs-view.js';
import { SandboxClient } from '../sandbox/sandbox-client.js';
import { SharedRunner, executorFor, type Executor } from './shared-runner.js';

/** Longest accepted time limit; longer values are clamped (a stuck run holds the Run button). */
export const MAX_RUN_TIMEOUT_MS = 120_000;

/** What the controller reads from its element. */
export interface RunControllerOptions {
  /** Base URL of the service (the runner frame and Pyodide are served there). */
  server(): string;
  /** The local participant's display name. */
  name(): string;
  /** Whether a Yjs client id belongs to someone in the room now. */
  present(clientId: number): boolean;
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
  private runs: RunView[] = [];
  private progress: string | null = null;
  private sandbox: SandboxClient | null = null;
  private sandboxServer = '';
  private stickToBottom = true;
  private readonly onRuns = (): void => {
    this.runs = this.doc ? readRunViews(this.doc) : [];
    this.host.requestUpdate();
  };
  private readonly sandboxExecutor: Executor = (request, sink, signal) =>
    this.sandboxFor().run(request, { output: sink.output, progress: sink.progress }, signal);
  private readonly sharedOptions = {
    doc: () => this.doc,
    name: () => this.options.name(),
    progress: (text: string | null) => {
      this.progress = text;
      this.host.requestUpdate();
    },
  };
  private readonly builtIn = new SharedRunner({ ...this.sharedOptions, execute: this.sandboxExecutor });

  constructor(private readonly host: ReactiveControllerHost & HTMLElement & { renderRoot: HTMLElement | DocumentFragment }, private readonly options: RunControllerOptions) {
    host.addController(this);
  }

  /** Follows the room's document (`null` when the room closed). */
  setDoc(doc: Y.Doc | null): void {
    if (doc === this.doc) return;
    this.doc?.getArray(RUNS_ARRAY).unobserveDeep(this.onRuns);
    this.doc = doc;
    doc?.getArray(RUNS_ARRAY).observeDeep(this.onRuns);
    this.onRuns();
    // The frame keeps a JavaScript worker warm, so make it while the room opens, not on Run.
    if (doc) this.sandboxFor().warmUp();
  }

  /** The runner for the Run button: the built-in sandbox, or `custom` recorded in the document alike. */
  runnerFor(custom: CodeRunner | null): CodeRunner {
    return custom ? new SharedRunner({ ...this.sharedOptions, execute: executorFor(custom) }) : this.builtIn;
  }

  /** The output panel. */
  render(): TemplateResult {
    return runsView({ runs: this.runs, progress: this.progress, present: (id) => id === null || this.options.present(id) });
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
