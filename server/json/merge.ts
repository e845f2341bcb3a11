import diff from 'fast-diff';
import { boundedDiff, DIFF_BUDGET, type DiffBudget } from './bounded-diff.js';

/** One replacement in a text: delete `deleteCount` code units at `index`, then insert `insert` there. */
export interface TextEdit {
  index: number;
  deleteCount: number;
  insert: string;
}

/**
 * The minimal edits that turn `from` into `to`, ordered by descending index so that applying
 * them one after another never shifts a later one. Empty when the texts are equal.
 */
export function diffEdits(from: string, to: string): TextEdit[] {
  return mergeEdits(from, from, to);
}

/**
 * Three-way merge: the edits that carry the change `base → incoming` onto `current`, where
 * `current` is `base` plus changes made concurrently by others. Concurrent edits are kept: the
 * incoming change deletes only base text that still exists and inserts at the mapped position
 * (after any concurrent insertion at the same point). The result is ordered by descending index
 * and applies to `current`. Both diffs keep to `budget`: past it, a diff replaces the whole changed
 * middle, so the cost stays bounded and, without concurrent edits, the result is still exactly
 * `incoming`; concurrent edits inside that middle are then placed after the incoming text.
 */
export function mergeEdits(base: string, current: string, incoming: string, budget: DiffBudget = DIFF_BUDGET): TextEdit[] {
  const map = base === current ? null : mapBase(base, current, budget);
  const edits: TextEdit[] = [];
  let baseIndex = 0;
  let pending: { start: number; end: number; insert: string } | null = null;
  const flush = (): void => {
    if (!pending) return;
    edits.push(...project(pending.start, pending.end, pending.insert, map));
    pending = null;
  };
  for (const [op, text] of boundedDiff(base, incoming, budget)) {
    if (op === diff.EQUAL) {
      flush();
      baseIndex += text.length;
    } else if (op === diff.DELETE) {
      pending ??= { start: baseIndex, end: baseIndex, insert: '' };
      pending.end += text.length;
      baseIndex += text.length;
    } else {
      pending ??= { start: baseIndex, end: baseIndex, insert: '' };
      pending.insert += text;
    }
  }
  flush();
  return edits.sort((a, b) => b.index - a.index || b.deleteCount - a.deleteCount);
}

/** Where base text ended up in the current text. */
interface BaseMap {
  /** Current index of each base character, or -1 when it was deleted concurrently. */
  survivor: Int32Array;
  /** Current index of each base gap, after anything inserted concurrently in that gap. */
  gapAfter: Int32Array;
}

function mapBase(base: string, current: string, budget: DiffBudget): BaseMap {
  const survivor = new Int32Array(base.length);
  const gapAfter = new Int32Array(base.length + 1);
  let baseIndex = 0;
  let currentIndex = 0;
  for (const [op, text] of boundedDiff(base, current, budget)) {
    if (op === diff.INSERT) {
      currentIndex += text.length;
      gapAfter[baseIndex] = currentIndex;
      continue;
    }
    for (let k = 0; k < text.length; k++) {
      survivor[baseIndex] = op === diff.EQUAL ? currentIndex : -1;
      if (op === diff.EQUAL) currentIndex++;
      baseIndex++;
      gapAfter[baseIndex] = currentIndex;
    }
  }
  return { survivor, gapAfter };
}

/** Maps "replace base[start, end) with insert" onto the current text. */
function project(start: number, end: number, insert: string, map: BaseMap | null): TextEdit[] {
  if (!map) return [{ index: start, deleteCount: end - start, insert }];
  const edits: TextEdit[] = [];
  // Delete each run of surviving base characters; text others inserted inside the range stays.
  let run: TextEdit | null = null;
  for (let i = start; i < end; i++) {
    const at = map.survivor[i]!;
    if (at < 0) continue;
    if (run && run.index + run.deleteCount === at) run.deleteCount++;
    else {
      if (run) edits.push(run);
      run = { index: at, deleteCount: 1, insert: '' };
    }
  }
  if (run) edits.push(run);
  if (insert) {
    const at = map.gapAfter[start]!;
    const first = edits[0];
    if (first && first.index === at) first.insert = insert;
    else edits.push({ index: at, deleteCount: 0, insert });
  }
  return edits;
}
