/** A small seeded PRNG (mulberry32) so randomized tests can be replayed from a printed seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `TEST_SEED` when set (to replay a failure), else a fresh one; printed either way. */
export function testSeed(label: string): number {
  const seed = process.env.TEST_SEED ? Number(process.env.TEST_SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(`# ${label}: seed ${seed} (replay with TEST_SEED=${seed})`);
  return seed;
}
