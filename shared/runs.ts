/**
 * Code runs are shared state of the session: `doc.getArray(RUNS_ARRAY)` holds one `Y.Map` per run,
 * newest last, so every participant (and late joiners, and the REST API) sees the same runs.
 *
 *   run (Y.Map):  id, by (display name), clientId, language, startedAt (ms), status,
 *                 durationMs (when finished), truncated (boolean),
 *                 output (Y.Array of { stream: 'stdout' | 'stderr' | 'system', text })
 */
export const RUNS_ARRAY = 'runs';

/** Runs kept in the document; older ones are removed when a new run starts. */
export const MAX_RUNS = 20;

/** Output kept per run, in UTF-16 code units; past it the run is cut with a notice. */
export const MAX_RUN_OUTPUT = 64 * 1024;

/** Default time limit of a run (configurable in the page). */
export const DEFAULT_RUN_TIMEOUT_MS = 5_000;

/**
 * Every status a run can have: `running` while it goes, then how it ended (`ok`: ran to completion;
 * `error`: the program threw or exited non-zero; `timeout`: stopped at the time limit; `stopped`:
 * stopped by its runner). The document, the REST API, the sandbox and the panel all use this list.
 */
export const RUN_STATUSES = ['running', 'ok', 'error', 'timeout', 'stopped'] as const;

/** Where a run stands: one of `RUN_STATUSES`. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** How a finished run ended: every status but `running`. */
export type RunEnd = Exclude<RunStatus, 'running'>;

/** Whether `value` is one of `RUN_STATUSES`. */
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/** Whether `value` is a status a finished run can have (any of `RUN_STATUSES` but `running`). */
export function isRunEnd(value: unknown): value is RunEnd {
  return value !== 'running' && isRunStatus(value);
}

/** The streams of run output: the program's stdout and stderr, and the runner's own notices (`system`). */
export const OUTPUT_STREAMS = ['stdout', 'stderr', 'system'] as const;

/** One of `OUTPUT_STREAMS`. */
export type OutputStream = (typeof OUTPUT_STREAMS)[number];

/** Whether `value` is one of `OUTPUT_STREAMS`. */
export function isOutputStream(value: unknown): value is OutputStream {
  return typeof value === 'string' && (OUTPUT_STREAMS as readonly string[]).includes(value);
}

/** One chunk of output, in the order it was produced. */
export interface RunOutput {
  stream: OutputStream;
  text: string;
}

/** A run as plain data (what `GET /api/sessions/:id/runs` returns). */
export interface RunRecord {
  id: string;
  by: string;
  language: string;
  startedAt: number;
  status: RunStatus;
  durationMs?: number;
  truncated: boolean;
  output: RunOutput[];
}
