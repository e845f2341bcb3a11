/**
 * The one sink type of a run: whatever executes code (the worker's runners, the sandbox client, an
 * embedder's `CodeRunner` through the run controller) reports output and loading progress to a
 * `RunSink`, and whoever records the run (the run controller's `RunWriter`) or forwards it (the
 * worker's port) implements one.
 */
import { MAX_RUN_OUTPUT, type OutputStream } from '../../shared/runs.js';
import type { WorkerEvent } from './sandbox-protocol.js';

/** Receives what happens during one run, in order. */
export interface RunSink {
  /** A chunk of the run's output on `stream`. */
  output(stream: OutputStream, text: string): void;
  /** Loading progress (the Python runtime), shown locally and never recorded; `null` clears it. */
  progress(text: string | null): void;
}

/**
 * A run's output allowance: each call returns the part of `text` that still fits, `''` once it is
 * spent. It lets one character past `MAX_RUN_OUTPUT` through, so the page knows to cut the run and
 * add its notice. Anything but a string primitive counts as nothing (a program may have patched
 * `String.prototype.slice` to return something else).
 */
export function outputAllowance(): (text: unknown) => string {
  let left = MAX_RUN_OUTPUT + 1;
  return (text) => {
    if (typeof text !== 'string' || left <= 0) return '';
    const part = text.length > left ? text.slice(0, left) : text;
    if (typeof part !== 'string') return '';
    left -= part.length;
    return part;
  };
}

/**
 * The worker's sink: straight to the frame over the private port, one message per write (a
 * buffered write would be lost when an endless loop follows it). Output past the allowance is
 * dropped here, so a program printing in a loop does not flood the frame (which cuts it again
 * itself). Posts `{ type: 'output', stream, text }` for stdout and stderr (a program has no
 * `system` stream) and `{ type: 'progress', text }` (a `null` progress has nothing to send).
 */
export function portSink(post: (message: WorkerEvent) => void): RunSink {
  const allow = outputAllowance();
  return {
    output(stream, text) {
      if (stream === 'system') return;
      const part = allow(text);
      if (part.length > 0) post({ type: 'output', stream, text: part });
    },
    progress(text) {
      if (text !== null) post({ type: 'progress', text });
    },
  };
}
