import { prng } from '../../test/server/helpers/random.js';

/** What an interview candidate types: ordinary code, one character per keystroke. */
const SOURCE = `function twoSum(nums, target) {
  const seen = new Map();
  for (let i = 0; i < nums.length; i++) {
    const need = target - nums[i];
    if (seen.has(need)) return [seen.get(need), i];
    seen.set(nums[i], i);
  }
  return null;
}
`;

/**
 * A participant's typing at interview speed, from a seed: bursts of 3–25 keystrokes 120–400 ms
 * apart (about 4 keys/s), separated by pauses of 0.5–4 s to think; about 2.4 keys/s on average.
 * The same seed gives the same delays and characters, whatever server is on the other end.
 */
export class TypingSchedule {
  private readonly random: () => number;
  private burstLeft = 0;
  private offset: number;

  constructor(seed: number) {
    this.random = prng(seed);
    this.offset = Math.floor(this.random() * SOURCE.length);
  }

  /** Milliseconds to wait before the first keystroke, so participants do not start in lockstep. */
  firstDelay(): number {
    return this.random() * 4000;
  }

  /** Milliseconds from one keystroke to the next: a short gap inside a burst, a pause between bursts. */
  nextDelay(): number {
    if (this.burstLeft > 0) {
      this.burstLeft--;
      return 120 + this.random() * 280;
    }
    this.burstLeft = 3 + Math.floor(this.random() * 23);
    return 500 + this.random() * 3500;
  }

  /** The next character typed. */
  nextChar(): string {
    const char = SOURCE[this.offset % SOURCE.length]!;
    this.offset++;
    return char;
  }
}
