/**
 * Messages between the page (`<interview-room>`), the runner frame (an opaque-origin sandboxed
 * iframe) and the worker inside it. Every side validates what it receives: the worker runs
 * untrusted code, and any page may post to any frame, so nothing is taken on trust.
 *
 *   page ──run/stop/runtime──▶ frame ──init, then run (MessagePort)──▶ worker (one run each)
 *   page ◀─ready/progress/started/output/done── frame ◀─progress/failed/started/output/exit── worker
 *
 * The frame is the authority on a run: what a worker sends is data (`parseWorkerEvent`), from which
 * the frame relays loading progress and the program's output, and decides the run's status,
 * duration and system lines itself (run-supervisor.ts). Workers carry no run ids: each serves one run.
 */
import { isLanguage, type Language } from '../../shared/languages.js';
import { isOutputStream, isRunnerEnd, type OutputStream, type RunnerEnd } from '../../shared/runs.js';

/** Page → frame: start a run. */
export interface FrameRunMessage {
  type: 'run';
  runId: string;
  language: Language;
  code: string;
  timeoutMs: number;
}

/** Page → frame: stop the run `runId` (terminates its worker). */
export interface FrameStopMessage {
  type: 'stop';
  runId: string;
}

/**
 * Page → frame: the Python runtime's files, fetched by the page. Requests made from the opaque
 * origin bypass the browser's HTTP cache (its partition key is transient), so the page, whose
 * origin is real, downloads them (cached) and hands the bytes over.
 */
export interface FrameRuntimeMessage {
  type: 'runtime';
  files: RuntimeFiles;
}

/** The files of the Python runtime, by name (see `RUNTIME_FILES`). */
export type RuntimeFiles = Record<RuntimeFile, ArrayBuffer>;

/** The Pyodide files the page fetches for the sandbox; everything else Pyodide needs is inside them. */
export const RUNTIME_FILES = ['pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'] as const;

/** One of `RUNTIME_FILES`. */
export type RuntimeFile = (typeof RUNTIME_FILES)[number];

/** Largest runtime accepted in total (Pyodide 314 is about 13 MB). */
const MAX_RUNTIME_BYTES = 64 * 1024 * 1024;

/** What the page may send to the frame. */
export type PageToFrame = FrameRunMessage | FrameStopMessage | FrameRuntimeMessage;

/** Frame → page: the frame is listening (no `runId`), or progress of a run. */
export type SandboxEvent =
  | { type: 'ready'; runtimePath: string }
  | { type: 'progress'; runId: string; text: string }
  | { type: 'started'; runId: string }
  | { type: 'output'; runId: string; stream: OutputStream; text: string }
  | { type: 'done'; runId: string; status: RunnerEnd; durationMs: number };

/** Frame → worker (over the private MessagePort): run this code; a worker runs one program only. */
export interface WorkerRunMessage {
  type: 'run';
  language: Language;
  code: string;
}

/** The streams a program writes; `system` lines come from the frame and the page only. */
export type ProgramStream = Exclude<OutputStream, 'system'>;

/** How a program ended, as its worker saw it (the frame adds `timeout` and `stopped`). */
export type ProgramExit = 'ok' | 'error';

/**
 * Worker → frame (over the private MessagePort), accepted only in this order:
 *
 *   progress* ─┬─ failed                        (the runtime did not load)
 *              └─ started ── output* ── exit     (the program ran)
 */
export type WorkerEvent =
  | { type: 'progress'; text: string }
  | { type: 'failed'; reason: string }
  | { type: 'started' }
  | { type: 'output'; stream: ProgramStream; text: string }
  | { type: 'exit'; status: ProgramExit };

/** Longest code accepted by the frame (the document caps code well below this). */
export const MAX_CODE_CHARS = 1_000_000;
/** Longest single output message accepted (frame → page and worker → frame); longer text is cut by the sender. */
export const MAX_MESSAGE_TEXT = 256 * 1024;
/** Longest progress line accepted. */
const MAX_PROGRESS_TEXT = 200;
/** Longest reason a worker may give for a runtime that did not load. */
export const MAX_FAILURE_TEXT = 2_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isProgressText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_PROGRESS_TEXT;
}

function isOutputText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_MESSAGE_TEXT;
}

function isRunId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 64;
}

/** The message as a `PageToFrame`, or `null` when it has any other shape. */
export function parsePageToFrame(data: unknown): PageToFrame | null {
  if (isRecord(data) && data.type === 'runtime') {
    const files = parseRuntimeFiles(data.files);
    return files ? { type: 'runtime', files } : null;
  }
  if (!isRecord(data) || !isRunId(data.runId)) return null;
  if (data.type === 'stop') return { type: 'stop', runId: data.runId };
  if (data.type !== 'run') return null;
  const { language, code, timeoutMs } = data;
  if (!isLanguage(language)) return null;
  if (typeof code !== 'string' || code.length > MAX_CODE_CHARS) return null;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) return null;
  return { type: 'run', runId: data.runId, language, code, timeoutMs };
}

/** The message as a `SandboxEvent`, or `null` when it has any other shape. */
export function parseSandboxEvent(data: unknown): SandboxEvent | null {
  if (!isRecord(data)) return null;
  if (data.type === 'ready') {
    // A path on the runner's server, like `/pyodide/314.0.7/`; the page fetches the runtime there.
    return typeof data.runtimePath === 'string' && /^\/pyodide\/[\w.-]+\/$/.test(data.runtimePath) ? { type: 'ready', runtimePath: data.runtimePath } : null;
  }
  if (!isRunId(data.runId)) return null;
  const runId = data.runId;
  switch (data.type) {
    case 'started':
      return { type: 'started', runId };
    case 'progress':
      return isProgressText(data.text) ? { type: 'progress', runId, text: data.text } : null;
    case 'output':
      return isOutputStream(data.stream) && isOutputText(data.text) ? { type: 'output', runId, stream: data.stream, text: data.text } : null;
    case 'done':
      if (!isRunnerEnd(data.status)) return null;
      if (typeof data.durationMs !== 'number' || !Number.isFinite(data.durationMs) || data.durationMs < 0) return null;
      return { type: 'done', runId, status: data.status, durationMs: data.durationMs };
    default:
      return null;
  }
}

/** The message as a `WorkerRunMessage`, or `null`. */
export function parseWorkerRun(data: unknown): WorkerRunMessage | null {
  if (!isRecord(data) || data.type !== 'run') return null;
  if (!isLanguage(data.language) || typeof data.code !== 'string') return null;
  return { type: 'run', language: data.language, code: data.code };
}

/** A worker's message as a `WorkerEvent` (strings within bounds, streams stdout/stderr only), or `null`. */
export function parseWorkerEvent(data: unknown): WorkerEvent | null {
  if (!isRecord(data)) return null;
  switch (data.type) {
    case 'progress':
      return isProgressText(data.text) ? { type: 'progress', text: data.text } : null;
    case 'failed':
      return typeof data.reason === 'string' && data.reason.length <= MAX_FAILURE_TEXT ? { type: 'failed', reason: data.reason } : null;
    case 'started':
      return { type: 'started' };
    case 'output':
      return (data.stream === 'stdout' || data.stream === 'stderr') && isOutputText(data.text) ? { type: 'output', stream: data.stream, text: data.text } : null;
    case 'exit':
      return data.status === 'ok' || data.status === 'error' ? { type: 'exit', status: data.status } : null;
    default:
      return null;
  }
}

/** The value as `RuntimeFiles` (every file present, an ArrayBuffer, within the size cap), or `null`. */
export function parseRuntimeFiles(value: unknown): RuntimeFiles | null {
  if (!isRecord(value)) return null;
  let total = 0;
  for (const name of RUNTIME_FILES) {
    const file = value[name];
    if (!(file instanceof ArrayBuffer)) return null;
    total += file.byteLength;
  }
  return total <= MAX_RUNTIME_BYTES ? (value as RuntimeFiles) : null;
}
