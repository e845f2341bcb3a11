import diff from 'fast-diff';

/**
 * How much of a diff may cost more than linear time. Setting aside the common prefix and suffix
 * is linear; what is left, the two changed middles, goes to fast-diff only when they are small
 * together (`span`, in UTF-16 code units) and as a rectangle (`cells`, the product of their
 * lengths). fast-diff has no deadline and its worst case grows with that rectangle: two 40,000-
 * character texts of different repeating patterns took 7 s on one core, and 400,000 took minutes.
 */
export interface DiffBudget {
  span: number;
  cells: number;
}

/**
 * The default budget. Its worst case, measured with Node 20 on a 2-vCPU AMD EPYC VM over repeating
 * and random patterns of every shape at the limits (254 × 254, 62 × 994, 6 × 8,186 ...), is under
 * 1 ms. A keystroke, a paste or a deletion is far inside it (a pure insertion or deletion has an
 * empty middle on one side and is always diffed); only a change with far-apart edits in one
 * message, or a rewrite, falls back.
 */
export const DIFF_BUDGET: DiffBudget = { span: 8_192, cells: 65_536 };

/**
 * fast-diff's diff of `from` and `to` when its changed middles fit `budget`; otherwise the coarse
 * diff that keeps the common prefix and suffix and replaces everything between them. Both turn
 * `from` into exactly `to`, and neither splits a surrogate pair.
 */
export function boundedDiff(from: string, to: string, budget: DiffBudget = DIFF_BUDGET): diff.Diff[] {
  const prefix = commonPrefix(from, to);
  const suffix = commonSuffix(from, to, prefix);
  const removed = from.length - prefix - suffix;
  const added = to.length - prefix - suffix;
  if (removed === 0 || added === 0 || (removed + added <= budget.span && removed * added <= budget.cells)) {
    return diff(from, to);
  }
  const coarse: diff.Diff[] = [];
  if (prefix > 0) coarse.push([diff.EQUAL, from.slice(0, prefix)]);
  coarse.push([diff.DELETE, from.slice(prefix, prefix + removed)], [diff.INSERT, to.slice(prefix, prefix + added)]);
  if (suffix > 0) coarse.push([diff.EQUAL, from.slice(from.length - suffix)]);
  return coarse;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** Length of the common prefix, shortened so that it does not end inside a surrogate pair. */
function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let n = 0;
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  return n > 0 && isHighSurrogate(a.charCodeAt(n - 1)) ? n - 1 : n;
}

/** Length of the common suffix that does not overlap the first `prefix` units, kept whole at surrogates. */
function commonSuffix(a: string, b: string, prefix: number): number {
  const max = Math.min(a.length, b.length) - prefix;
  let n = 0;
  while (n < max && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n > 0 && isLowSurrogate(a.charCodeAt(a.length - n)) ? n - 1 : n;
}
