/**
 * The one sink type of a run: whatever executes code (the worker's runners, the sandbox client, an
 * embedder's `CodeRunner` through the run controller) reports output and loading progress to a
 * `RunSink`, and whoever records the run (the run controller's `RunWriter`) or forwards it (the
 * worker's port) implements one.
 */
import { MAX_RUN_OUTPUT, type OutputStream } from '../../shared/runs.js';

/** Receives what happens during one run, in order. */
export interface RunSink {
  /** A chunk of the run's output on `stream`. */
  output(stream: OutputStream, text: string): void;
  /** Loading progress (the Python runtime), shown locally and never recorded; `null` clears it. */
  progress(text: string | null): void;
}

/**
 * The worker's sink: straight to the frame over the private port, one message per write (a
 * buffered write would be lost when an endless loop follows it). Output past the cap is dropped
 * here, so a program printing in a loop cannot flood the page; one character past the cap is still
 * sent so the page knows to cut and add its notice. Posts `{ type: 'output', runId, stream, text }`
 * and `{ type: 'progress', runId, text }` (a `null` progress has nothing to send).
 */
export function portSink(post: (message: unknown) => void, runId: string): RunSink {
  let left = MAX_RUN_OUTPUT + 1;
  return {
    output(stream, text) {
      if (left <= 0 || text.length === 0) return;
      const part = text.length > left ? text.slice(0, left) : text;
      left -= part.length;
      post({ type: 'output', runId, stream, text: part });
    },
    progress(text) {
      if (text !== null) post({ type: 'progress', runId, text });
    },
  };
}
