/**
 * The output panel: the session's runs from the document, oldest first, each with who ran it and
 * their role (as the server recorded them: a name can be anything, the role badge cannot), when, its status and duration, and its output with stdout, stderr
 * and the runner's notices told apart. Everything is rendered as text through Lit bindings, never
 * as HTML.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { languageLabel } from '../../shared/languages.js';
import { ROLE_LABELS } from '../../shared/roles.js';
import type { RunStatus } from '../../shared/runs.js';
import { mergeChunks, type RunView } from './run-records.js';

/** What the panel shows besides the runs. */
export interface RunsViewState {
  runs: readonly RunView[];
  /** Local loading progress (Python runtime download), or `null`. */
  progress: string | null;
  /** Why the local participant's last run was not (fully) recorded, or `null`. */
  notice: string | null;
}

const STATUS_LABELS: Record<RunStatus, string> = {
  running: 'running…',
  ok: 'finished',
  error: 'failed',
  timeout: 'time limit exceeded',
  stopped: 'stopped',
  interrupted: 'interrupted (connection lost)',
};

/** The `part="output"` panel. */
export function runsView(state: RunsViewState): TemplateResult {
  const latest = state.runs[state.runs.length - 1];
  return html`<div part="output" class="runs" role="log" aria-label="Output" data-status=${latest?.status ?? nothing}>
    ${state.runs.length === 0
      ? html`<p class="runs-empty">Output appears here after a run (Run, or Ctrl/Cmd-Enter in the editor).</p>`
      : repeat(state.runs, (run) => run.id, (run) => runView(run))}
    ${state.progress ? html`<p class="run-progress" role="status">${state.progress}</p>` : nothing}
    ${state.notice ? html`<p class="run-notice" role="alert">${state.notice}</p>` : nothing}
  </div>`;
}

function runView(run: RunView): TemplateResult {
  const time = new Date(run.startedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return html`<section class="run" data-run-id=${run.id} data-status=${run.status}>
    <div class="run-head">
      <span class="run-by">${run.by || 'Someone'}</span>
      <span class="role" data-role=${run.role}>${ROLE_LABELS[run.role]}</span> ran ${languageLabel(run.language)}
      · <time datetime=${new Date(run.startedAt).toISOString()}>${time}</time>
      · <span class="run-status">${STATUS_LABELS[run.status]}</span>${run.durationMs !== undefined ? html` · <span class="run-duration">${formatDuration(run.durationMs)}</span>` : nothing}
    </div>
    <pre class="run-output">${mergeChunks(run.output).map((chunk) => html`<span class=${chunk.stream}>${chunk.text}</span>`)}</pre>
  </section>`;
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
