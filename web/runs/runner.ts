/**
 * The embedder's seam for executing code: the element's `runner` property. Without one the run
 * controller (`run-controller.ts`) executes code in the sandboxed runner frame; either way it
 * reports the run to the server, which records it in the session's document.
 */
import type { Language } from '../../shared/languages.js';
import type { RunEnd } from '../../shared/runs.js';

/** What the Run button asks to execute. */
export interface RunRequest {
  code: string;
  language: Language;
  /** The time limit in milliseconds (the element's `run-timeout`); absent means the default. */
  timeoutMs?: number;
}

/** The outcome of one run, shown in the output panel and sent with `room-run-result`. */
export interface RunResult {
  /**
   * How the run ended (`RunEnd` in shared/runs.ts: `ok`, `error`, `timeout`, `stopped` by the
   * Stop button, or `interrupted`: the connection dropped during the run), or `unavailable`: no
   * runner.
   */
  status: RunEnd | 'unavailable';
  /** Text for the output panel (stdout and stderr interleaved as the runner saw them). */
  output: string;
  /** Wall-clock time of the run in milliseconds (0 when nothing ran). */
  durationMs: number;
}

/** Anything that can execute code for the room. Set it as the element's `runner` property. */
export interface CodeRunner {
  /** Runs `request`; must settle (resolve with an `error` result rather than hang) and honour `signal`. */
  run(request: RunRequest, signal: AbortSignal): Promise<RunResult>;
}
