/**
 * The `CodeRunner` that makes a run shared state: it records the run in the session's document
 * (`RunWriter`) while an executor (the sandboxed runner frame, or an embedder's own runner) runs
 * it, so every participant's element renders the same output live and late joiners see history.
 */
import type * as Y from 'yjs';
import { DEFAULT_RUN_TIMEOUT_MS, type OutputStream, type RunEnd } from '../../shared/runs.js';
import type { CodeRunner, RunRequest, RunResult } from './runner.js';
import { RunWriter } from './run-writer.js';

/** Where an executor sends what happens during a run. */
export interface RunSink {
  output(stream: OutputStream, text: string): void;
  /** Loading progress shown locally (not shared), or `null` to clear it. */
  progress(text: string | null): void;
}

/** Executes one run; resolves with how it ended (the program's own errors are not rejections). */
export type Executor = (
  request: RunRequest & { runId: string; timeoutMs: number },
  sink: RunSink,
  signal: AbortSignal,
) => Promise<{ status: RunEnd; durationMs: number }>;

/** What a `SharedRunner` needs from its element. */
export interface SharedRunnerOptions {
  /** The session's document, or `null` when no room is open. */
  doc(): Y.Doc | null;
  /** The local participant's display name. */
  name(): string;
  execute: Executor;
  /** Local loading progress for the output panel. */
  progress(text: string | null): void;
}

/** Runs code through an executor and records the run in the document as it happens. */
export class SharedRunner implements CodeRunner {
  constructor(private readonly options: SharedRunnerOptions) {}

  /** Records and executes `request`; resolves when the run ended, with its output and status. */
  async run(request: RunRequest, signal: AbortSignal): Promise<RunResult> {
    const doc = this.options.doc();
    if (!doc) return { status: 'error', output: 'Not connected to a session.', durationMs: 0 };
    const timeoutMs = request.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    const writer = new RunWriter(doc, { by: this.options.name(), language: request.language });
    const started = performance.now();
    let end: { status: RunEnd; durationMs: number };
    try {
      end = await this.options.execute(
        { ...request, runId: writer.id, timeoutMs },
        { output: (stream, text) => writer.append(stream, text), progress: (text) => this.options.progress(text) },
        signal,
      );
    } catch (error) {
      writer.notice(`The runner failed: ${error instanceof Error ? error.message : String(error)}\n`);
      end = { status: 'error', durationMs: performance.now() - started };
    } finally {
      this.options.progress(null);
    }
    if (end.status === 'timeout') writer.notice(`\nTime limit exceeded: stopped after ${formatSeconds(timeoutMs)}.\n`);
    if (end.status === 'stopped') writer.notice('\nStopped.\n');
    writer.finish(end.status, end.durationMs);
    return { status: end.status, output: writer.outputText, durationMs: end.durationMs };
  }
}

/** An embedder's `CodeRunner` as an executor: its whole output becomes one chunk. */
export function executorFor(runner: CodeRunner): Executor {
  return async (request, sink, signal) => {
    const result = await runner.run({ code: request.code, language: request.language, timeoutMs: request.timeoutMs }, signal);
    sink.output(result.status === 'ok' ? 'stdout' : 'stderr', result.output);
    const status: RunEnd = result.status === 'unavailable' ? 'error' : result.status;
    return { status, durationMs: result.durationMs };
  };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
