/** Compares two Redis stream ids (`<ms>-<seq>`) numerically: negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

/** The id before which nothing exists: where reading a stream from the start begins. */
export const STREAM_START = '0-0';
