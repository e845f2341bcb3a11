/**
 * Where a run's output goes inside the worker: straight to the frame over the private port, one
 * message per write (a buffered write would be lost when an endless loop follows it). Output past
 * the cap is dropped here, so a program printing in a loop cannot flood the page; one character
 * past the cap is still sent so the page knows to cut and add its notice.
 */
import { MAX_RUN_OUTPUT, type OutputStream } from '../../shared/runs.js';

/** Receives the program's output in order. */
export interface OutputSink {
  write(stream: OutputStream, text: string): void;
}

/** A sink that posts `{ type: 'output', runId, stream, text }` until `MAX_RUN_OUTPUT` + 1 characters. */
export function portSink(post: (message: unknown) => void, runId: string): OutputSink {
  let left = MAX_RUN_OUTPUT + 1;
  return {
    write(stream, text) {
      if (left <= 0 || text.length === 0) return;
      const part = text.length > left ? text.slice(0, left) : text;
      left -= part.length;
      post({ type: 'output', runId, stream, text: part });
    },
  };
}
