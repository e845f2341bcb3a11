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

/** Where a run stands. */
export type RunStatus = 'running' | 'ok' | 'error' | 'timeout' | 'stopped';

/** One chunk of output, in the order it was produced. */
export interface RunOutput {
  stream: 'stdout' | 'stderr' | 'system';
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
