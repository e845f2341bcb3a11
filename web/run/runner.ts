/**
 * The seam between the Run button and whatever executes code. Execution itself (sandboxed
 * JavaScript, Pyodide for Python) is a later issue; until a runner is plugged in, the element says
 * so plainly instead of pretending to run anything.
 */
import type { Language } from '../../shared/languages.js';

/** What the Run button asks to execute. */
export interface RunRequest {
  code: string;
  language: Language;
}

/** The outcome of one run, shown in the output panel and sent with `room-run-result`. */
export interface RunResult {
  /** `ok`: ran to completion; `error`: the program threw or exited non-zero; `unavailable`: no runner. */
  status: 'ok' | 'error' | 'unavailable';
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

/** The result shown when no runner is configured. */
export function unavailableResult(language: Language): RunResult {
  return {
    status: 'unavailable',
    output: `Running ${language} code is not available yet: code execution is not wired up in this version. ` +
      'Your code is saved and shared; only the Run button is inactive.',
    durationMs: 0,
  };
}
