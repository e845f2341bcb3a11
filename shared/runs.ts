import type { Role } from './roles.js';

/**
 * Code runs are shared state of the session: `doc.getArray(RUNS_ARRAY)` holds one `Y.Map` per run,
 * newest last, so every participant (and late joiners, and the REST API) sees the same runs.
 * Only the server writes them, from its author's run messages (shared/protocol/run-messages.ts):
 * participants' Yjs updates that touch the array are refused.
 *
 *   run (Y.Map):  id, by (display name), role, clientId (the author's awareness id, when it had
 *                 one), language, startedAt (ms, server time), status,
 *                 durationMs (when finished), truncated (boolean),
 *                 output (Y.Array of { stream: 'stdout' | 'stderr' | 'system', text })
 */
export const RUNS_ARRAY = 'runs';

/** Runs kept in the document; older ones are removed when a new run starts. */
export const MAX_RUNS = 20;

/** Output kept per run, in UTF-16 code units; past it the run is cut with a notice. */
export const MAX_RUN_OUTPUT = 64 * 1024;

/** The notice a run's output ends with when it was cut at `MAX_RUN_OUTPUT`. */
export const OUTPUT_CUT_NOTICE = `\n[output cut at ${MAX_RUN_OUTPUT / 1024} KB: the rest was discarded]\n`;

/** Default time limit of a run (configurable in the page). */
export const DEFAULT_RUN_TIMEOUT_MS = 5_000;

/**
 * Every status a run can have: `running` while it goes, then how it ended (`ok`: ran to completion;
 * `error`: the program threw or exited non-zero; `timeout`: stopped at the time limit; `stopped`:
 * stopped by its runner; `interrupted`: its author's connection closed before it finished, set by
 * the server). The document, the REST API, the sandbox and the panel all use this list.
 */
export const RUN_STATUSES = ['running', 'ok', 'error', 'timeout', 'stopped', 'interrupted'] as const;

/** Where a run stands: one of `RUN_STATUSES`. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** How a finished run ended: every status but `running`. */
export type RunEnd = Exclude<RunStatus, 'running'>;

/** Whether `value` is one of `RUN_STATUSES`. */
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/** How a runner may say its run ended: every end but `interrupted`, which only the server sets. */
export const RUNNER_ENDS = ['ok', 'error', 'timeout', 'stopped'] as const satisfies readonly RunEnd[];

/** One of `RUNNER_ENDS`. */
export type RunnerEnd = (typeof RUNNER_ENDS)[number];

/** Whether `value` is one of `RUNNER_ENDS`. */
export function isRunnerEnd(value: unknown): value is RunnerEnd {
  return typeof value === 'string' && (RUNNER_ENDS as readonly string[]).includes(value);
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
  /** The author's display name when the run started, as the server read it (at most 40 characters). */
  by: string;
  /** The author's role, as the server granted it. */
  role: Role;
  language: string;
  startedAt: number;
  status: RunStatus;
  durationMs?: number;
  truncated: boolean;
  output: RunOutput[];
}
