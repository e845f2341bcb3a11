/**
 * Writes one run into the session's document as it happens (schema in shared/runs.ts): the run is
 * appended with status `running`, output chunks follow in order, then the final status and
 * duration. Chunks are batched (the first at once, later ones at most every 50 ms) so a chatty
 * program makes few, small updates; output past `MAX_RUN_OUTPUT` is cut with a notice.
 */
import * as Y from 'yjs';
import { MAX_RUNS, MAX_RUN_OUTPUT, RUNS_ARRAY, type OutputStream, type RunEnd, type RunOutput, type RunStatus } from '../../shared/runs.js';

/** Transaction origin of run writes, so observers can tell them from edits. */
export const RUN_ORIGIN = Symbol('run');

/** How often batched output is written after the first chunk. */
const FLUSH_MS = 50;

/** Who starts a run and what it runs. */
export interface RunStart {
  by: string;
  language: string;
}

/** A run being written; call `finish` exactly once. */
export class RunWriter {
  /** The run's id (random, also used by the sandbox messages). */
  readonly id: string;
  private readonly run: Y.Map<unknown>;
  private readonly output: Y.Array<RunOutput>;
  private pending: RunOutput[] = [];
  private used = 0;
  private truncated = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastFlush = 0;
  private text = '';

  constructor(private readonly doc: Y.Doc, start: RunStart) {
    this.id = randomId();
    this.run = new Y.Map<unknown>();
    this.output = new Y.Array<RunOutput>();
    const runs = doc.getArray<unknown>(RUNS_ARRAY);
    doc.transact(() => {
      // Keeps the last MAX_RUNS runs including this one.
      const excess = runs.length + 1 - MAX_RUNS;
      if (excess > 0) runs.delete(0, excess);
      this.run.set('id', this.id);
      this.run.set('by', start.by);
      this.run.set('clientId', doc.clientID);
      this.run.set('language', start.language);
      this.run.set('startedAt', Date.now());
      this.run.set('status', 'running' satisfies RunStatus);
      this.run.set('truncated', false);
      this.run.set('output', this.output);
      runs.push([this.run]);
    }, RUN_ORIGIN);
  }

  /** Everything written so far (what `RunResult.output` returns). */
  get outputText(): string {
    return this.text;
  }

  /** Appends output; past the cap it is dropped and the run is marked truncated. */
  append(stream: OutputStream, text: string): void {
    if (this.truncated || text.length === 0) return;
    const room = MAX_RUN_OUTPUT - this.used;
    if (text.length > room) {
      if (room > 0) this.push(stream, text.slice(0, room));
      this.truncated = true;
      this.push('system', `\n[output cut at ${MAX_RUN_OUTPUT / 1024} KB: the rest was discarded]\n`, false);
      this.flush();
      return;
    }
    this.push(stream, text);
    this.schedule();
  }

  /** Adds a notice from the runner itself (not counted against the cap). */
  notice(text: string): void {
    this.push('system', text, false);
    this.schedule();
  }

  /** Writes what is pending plus the final status and duration in one update. */
  finish(status: RunEnd, durationMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.doc.transact(() => {
      this.flushInto();
      if (this.truncated) this.run.set('truncated', true);
      this.run.set('durationMs', Math.round(durationMs));
      this.run.set('status', status);
    }, RUN_ORIGIN);
  }

  private push(stream: OutputStream, text: string, counted = true): void {
    if (counted) this.used += text.length;
    this.text += text;
    const last = this.pending[this.pending.length - 1];
    if (last && last.stream === stream) last.text += text;
    else this.pending.push({ stream, text });
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastFlush + FLUSH_MS - performance.now());
    if (wait === 0) {
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.doc.transact(() => this.flushInto(), RUN_ORIGIN);
  }

  private flushInto(): void {
    this.lastFlush = performance.now();
    if (this.pending.length === 0) return;
    if (this.truncated) this.run.set('truncated', true);
    this.output.push(this.pending);
    this.pending = [];
  }
}

/** A random id: `crypto.randomUUID` needs a secure context, so plain http pages get random hex. */
function randomId(): string {
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
