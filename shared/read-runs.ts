import * as Y from 'yjs';
import { isRole } from './roles.js';
import { RUNS_ARRAY, isOutputStream, isRunStatus, type RunOutput, type RunRecord } from './runs.js';

/** A run as rendered: the record plus the writer's Yjs client id (to tell whether they are still here). */
export interface RunView extends RunRecord {
  clientId: number | null;
}

/**
 * The runs of `doc` as plain data, oldest first. Only the server writes runs, but a document may
 * hold anything (an old client, storage), so every field is checked and entries of the wrong shape
 * are skipped: not a map, or without the role the server stamps on every run. Used by the element
 * and the REST API.
 */
export function readRunViews(doc: Y.Doc): RunView[] {
  const runs: RunView[] = [];
  for (const entry of doc.getArray<unknown>(RUNS_ARRAY).toArray()) {
    if (!(entry instanceof Y.Map)) continue;
    const role = entry.get('role');
    if (!isRole(role)) continue;
    const status = entry.get('status');
    const output = entry.get('output');
    const chunks: RunOutput[] = [];
    if (output instanceof Y.Array) {
      for (const chunk of output.toArray() as unknown[]) {
        const { stream, text } = (chunk ?? {}) as { stream?: unknown; text?: unknown };
        if (isOutputStream(stream) && typeof text === 'string') chunks.push({ stream, text });
      }
    }
    const duration = entry.get('durationMs');
    const clientId = entry.get('clientId');
    runs.push({
      id: String(entry.get('id') ?? ''),
      by: String(entry.get('by') ?? ''),
      role,
      language: String(entry.get('language') ?? ''),
      startedAt: Number(entry.get('startedAt') ?? 0),
      status: isRunStatus(status) ? status : 'error',
      truncated: entry.get('truncated') === true,
      output: chunks,
      ...(typeof duration === 'number' ? { durationMs: duration } : {}),
      clientId: typeof clientId === 'number' ? clientId : null,
    });
  }
  return runs;
}
