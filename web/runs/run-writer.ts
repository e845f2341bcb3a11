/**
 * Reports one run to the server as it happens, which records it in the session's document
 * (shared/runs.ts): `start` at once, output chunks in order, then `finish` with the status and
 * duration (run messages, shared/protocol/run-messages.ts). Chunks are batched (the first at once,
 * later ones at most every 50 ms, or as soon as a message is full) so a chatty program makes few,
 * small messages. Output past
 * `MAX_RUN_OUTPUT` is cut: the server keeps exactly that much and adds the notice, so one
 * character more is sent for it to know; the local text (`outputText`) gets the same notice.
 */
import type { Language } from '../../shared/languages.js';
import { MAX_CHUNKS_PER_MESSAGE } from '../../shared/protocol/run-messages.js';
import { MAX_RUN_OUTPUT, OUTPUT_CUT_NOTICE, type OutputStream, type RunOutput, type RunnerEnd } from '../../shared/runs.js';
import type { RunLink } from './run-channel.js';

/** How often batched output is sent after the first chunk. */
const FLUSH_MS = 50;

/** A run being reported; call `finish` exactly once. */
export class RunWriter {
  private pending: RunOutput[] = [];
  /** Characters sent (or pending); the server is sent at most one past the cap. */
  private sent = 0;
  /** Characters of program output seen, for the local text's cut. */
  private used = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastFlush = 0;
  private text = '';

  /** Starts run `id` (see `newRunId`) of `language` over `link`. */
  constructor(
    readonly id: string,
    private readonly link: RunLink,
    language: Language,
  ) {
    link.send({ type: 'start', id, language });
  }

  /** Everything the run printed, with its notices (what `RunResult.output` returns). */
  get outputText(): string {
    return this.text;
  }

  /** Appends program output; past the cap it is dropped, and the local text gets the cut notice once. */
  append(stream: OutputStream, text: string): void {
    if (this.used >= MAX_RUN_OUTPUT || text.length === 0) return;
    const room = MAX_RUN_OUTPUT - this.used;
    this.used += Math.min(text.length, room);
    this.text += text.length > room ? text.slice(0, room) + OUTPUT_CUT_NOTICE : text;
    this.push(stream, text);
  }

  /** Adds a notice of the runner itself (a time limit, Stop, a failure). */
  notice(text: string): void {
    this.text += text;
    this.push('system', text);
  }

  /** Sends what is pending, then the final status and duration. */
  finish(status: RunnerEnd, durationMs: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.flush();
    this.link.send({ type: 'finish', id: this.id, status, durationMs: Math.max(0, Math.round(durationMs)) });
    this.link.close();
  }

  /** Queues `text`, up to one character past the cap in all (the server cuts and adds the notice). */
  private push(stream: OutputStream, text: string): void {
    const room = MAX_RUN_OUTPUT + 1 - this.sent;
    if (room <= 0) return;
    const part = text.length > room ? text.slice(0, room) : text;
    this.sent += part.length;
    const last = this.pending[this.pending.length - 1];
    if (last && last.stream === stream) last.text += part;
    else this.pending.push({ stream, text: part });
    if (this.pending.length >= MAX_CHUNKS_PER_MESSAGE) this.flush();
    else this.schedule();
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
    this.lastFlush = performance.now();
    if (this.pending.length === 0) return;
    this.link.send({ type: 'output', id: this.id, chunks: this.pending });
    this.pending = [];
  }
}

/** A new run id: `crypto.randomUUID` needs a secure context, so plain http pages get random hex. */
export function newRunId(): string {
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
