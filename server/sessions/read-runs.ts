import * as Y from 'yjs';
import { RUNS_ARRAY, type RunOutput, type RunRecord, type RunStatus } from '../../shared/runs.js';

const STATUSES: readonly RunStatus[] = ['running', 'ok', 'error', 'timeout', 'stopped'];

/**
 * The runs of a session's document as plain data, oldest first. Clients write runs, so every
 * field is checked: entries of the wrong shape are skipped rather than passed on.
 */
export function readRuns(doc: Y.Doc): RunRecord[] {
  const runs: RunRecord[] = [];
  for (const entry of doc.getArray<unknown>(RUNS_ARRAY).toArray()) {
    if (!(entry instanceof Y.Map)) continue;
    const get = (key: string): unknown => entry.get(key);
    const status = get('status');
    const output = get('output');
    const chunks: RunOutput[] = [];
    if (output instanceof Y.Array) {
      for (const chunk of output.toArray() as unknown[]) {
        const { stream, text } = (chunk ?? {}) as { stream?: unknown; text?: unknown };
        if ((stream === 'stdout' || stream === 'stderr' || stream === 'system') && typeof text === 'string') chunks.push({ stream, text });
      }
    }
    const run: RunRecord = {
      id: String(get('id') ?? ''),
      by: String(get('by') ?? ''),
      language: String(get('language') ?? ''),
      startedAt: Number(get('startedAt') ?? 0),
      status: STATUSES.includes(status as RunStatus) ? (status as RunStatus) : 'error',
      truncated: get('truncated') === true,
      output: chunks,
    };
    const duration = get('durationMs');
    if (typeof duration === 'number') run.durationMs = duration;
    runs.push(run);
  }
  return runs;
}
