/**
 * The runner frame's account of one run. The program runs in a worker, a realm it may rewrite
 * entirely; the frame's realm, which holds the channel to the page, runs no user code. So the
 * frame treats what the worker sends as data (`parseWorkerEvent`) and decides the run's status,
 * its duration and every `system` line itself, from what it observes:
 *
 *   loading ──started──▶ running ──exit──────────────────────────▶ ok | error
 *     │ └ progress        ├─ the time limit passes ─────────────────▶ timeout
 *     ├─ failed ─▶ error  ├─ stop (the page) ───────────────────────▶ stopped
 *     └─ stop ─▶ stopped  └─ any other message, or the worker's own ─▶ error, with a notice
 *                            error event
 *
 * `started` starts the time limit and the clock, `exit` (the program's own end, `ok` or `error`)
 * stops them; a program cannot claim `timeout` or `stopped`, choose its duration, write a `system`
 * line or outlive its run (the frame terminates the worker at every end). Output is relayed as
 * stdout/stderr chunks, cut at the run's allowance (`MAX_RUN_OUTPUT` + 1 characters in all).
 */
import { LANGUAGE_LABELS } from '../../shared/languages.js';
import type { RunnerEnd } from '../../shared/runs.js';
import { outputAllowance } from './run-sink.js';
import { parseWorkerEvent, type FrameRunMessage, type SandboxEvent } from './sandbox-protocol.js';

/** What a run reports to the page and to its frame. */
export interface RunReports {
  /** An event for the page (the frame stamps nothing else on it). */
  toPage(event: SandboxEvent): void;
  /** The run ended: terminate its worker. Called once, before the page hears `done`. */
  ended(status: RunnerEnd): void;
}

/** The notice of a run whose worker broke the message protocol. */
export const PROTOCOL_NOTICE = "\nStopped: the program's worker sent the runner a message it does not accept.\n";
/** The notice of a run whose worker reported an uncaught error to the frame. */
export const CRASH_NOTICE = "\nStopped: the program's worker failed.\n";

type State = 'loading' | 'running' | 'ended';

/** One run as the frame sees it; feed it the worker's messages with `receive`. */
export class SupervisedRun {
  private state: State = 'loading';
  private startedAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly allow = outputAllowance();

  constructor(private readonly run: FrameRunMessage, private readonly reports: RunReports) {}

  /** The run's id (the page's). */
  get runId(): string {
    return this.run.runId;
  }

  /** Whether the run has ended (later messages are ignored). */
  get ended(): boolean {
    return this.state === 'ended';
  }

  /** A message from the run's worker, taken as data. */
  receive(data: unknown): void {
    if (this.state === 'ended') return;
    const event = parseWorkerEvent(data);
    const loading = this.state === 'loading';
    switch (event?.type) {
      case 'progress':
        if (!loading) break;
        this.reports.toPage({ type: 'progress', runId: this.runId, text: event.text });
        return;
      case 'failed':
        if (!loading) break;
        this.end('error', `The ${LANGUAGE_LABELS[this.run.language]} runtime could not be loaded: ${event.reason}\n`);
        return;
      case 'started':
        if (!loading) break;
        this.state = 'running';
        this.startedAt = performance.now();
        this.timer = setTimeout(() => this.end('timeout'), this.run.timeoutMs);
        this.reports.toPage({ type: 'started', runId: this.runId });
        return;
      case 'output': {
        if (loading) break;
        const text = this.allow(event.text);
        if (text) this.reports.toPage({ type: 'output', runId: this.runId, stream: event.stream, text });
        return;
      }
      case 'exit':
        if (loading) break;
        this.end(event.status);
        return;
      default:
        break;
    }
    this.end('error', PROTOCOL_NOTICE);
  }

  /** The page's Stop, or a newer run replacing this one. */
  stop(): void {
    this.end('stopped');
  }

  /** The worker reported an uncaught error to the frame (its `error` event). */
  crashed(): void {
    this.end('error', CRASH_NOTICE);
  }

  private end(status: RunnerEnd, notice?: string): void {
    if (this.state === 'ended') return;
    const durationMs = this.state === 'running' ? performance.now() - this.startedAt : 0;
    this.state = 'ended';
    if (this.timer !== null) clearTimeout(this.timer);
    this.reports.ended(status);
    if (notice) this.reports.toPage({ type: 'output', runId: this.runId, stream: 'system', text: notice });
    this.reports.toPage({ type: 'done', runId: this.runId, status, durationMs });
  }
}
