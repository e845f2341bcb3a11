/** Run records for rendering: read from the document by shared/read-runs.ts. */
import type { RunOutput } from '../../shared/runs.js';

export { readRunViews, type RunView } from '../../shared/read-runs.js';

/** Adjacent chunks of one stream joined, so a run printing 10,000 lines renders as few nodes. */
export function mergeChunks(chunks: readonly RunOutput[]): RunOutput[] {
  const merged: RunOutput[] = [];
  for (const chunk of chunks) {
    const last = merged[merged.length - 1];
    if (last && last.stream === chunk.stream) last.text += chunk.text;
    else merged.push({ ...chunk });
  }
  return merged;
}
