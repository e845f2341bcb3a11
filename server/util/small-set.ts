/**
 * A set for the handful of members a session has (its participants, a room's peers), kept in one
 * small array. A `Set` costs a hash table of ~150 bytes even for one member, paid per session by
 * a server holding thousands of them. Membership checks are linear, which at these sizes is as
 * fast as hashing.
 *
 * Copy-on-write: `add` and `delete` replace the array, so a loop over the members (a broadcast
 * during which a peer leaves) goes over them as they were when it started, each once.
 */
export class SmallSet<T> implements Iterable<T> {
  private items: readonly T[] = [];

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return this.items.includes(item);
  }

  // New arrays come from slice and concat, which allocate exactly the length: a spread or a
  // filter grows its result like a push does, to room for 17 members, ~120 bytes more per set.

  /** Adds `item` unless it is already a member. */
  add(item: T): this {
    if (!this.items.includes(item)) this.items = this.items.concat([item]);
    return this;
  }

  /** Removes `item`; returns whether it was a member. */
  delete(item: T): boolean {
    const index = this.items.indexOf(item);
    if (index < 0) return false;
    this.items = this.items.slice(0, index).concat(this.items.slice(index + 1));
    return true;
  }

  clear(): void {
    this.items = [];
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }
}
