import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { Storage, WriteBatch } from '../../server/storage/storage.js';
import { WriteQueue } from '../../server/storage/write-queue.js';

/** A storage whose writes wait until the test settles them, one at a time. */
class HeldStorage {
  readonly batches: WriteBatch[] = [];
  private settle: ((error?: Error) => void) | null = null;

  write(batch: WriteBatch): Promise<Map<string, number>> {
    this.batches.push(batch);
    return new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve(new Map()));
    });
  }

  /** Completes the write in progress, or fails it with `error`. */
  finish(error?: Error): void {
    const settle = this.settle;
    assert.ok(settle, 'no write in progress');
    this.settle = null;
    settle(error);
  }
}

function queueOn(storage: HeldStorage): WriteQueue {
  // A long interval: the test flushes by hand.
  return new WriteQueue(storage as unknown as Storage, { intervalMs: 60_000, logger: pino({ level: 'silent' }) });
}

const update = (sessionId: string) => ({ sessionId, update: Uint8Array.of(1), at: 0 });

describe('WriteQueue', () => {
  it('reports a session pending while its updates are queued or being written, and not after', async () => {
    const storage = new HeldStorage();
    const queue = queueOn(storage);
    queue.push(update('a'));
    // The first update of a period queues a touch too: written with the same batch.
    assert.ok(queue.hasPending('a'));
    assert.ok(!queue.hasPending('b'));
    const flushed = queue.flush();
    assert.ok(queue.hasPending('a'), 'in the batch being written');
    assert.equal(queue.size, 0);
    queue.push(update('b'));
    storage.finish();
    await flushed;
    assert.ok(!queue.hasPending('a'), 'written');
    assert.ok(queue.hasPending('b'));
    const second = queue.flush();
    storage.finish();
    await second;
    assert.ok(!queue.hasPending('b'));
    assert.deepEqual(
      storage.batches.map((batch) => batch.updates.map((entry) => entry.sessionId)),
      [['a'], ['b']],
    );
    // Stops the interval timer, which would keep the test process alive.
    await queue.close();
  });

  it('keeps a failed batch pending, ahead of newer updates, and writes it on the next flush', async () => {
    const storage = new HeldStorage();
    const queue = queueOn(storage);
    queue.push(update('a'));
    const failed = queue.flush();
    queue.push(update('b'));
    storage.finish(new Error('disk full'));
    await assert.rejects(failed, /disk full/);
    assert.ok(queue.hasPending('a'), 'the failed batch is queued again');
    assert.equal(queue.size, 2);
    const retried = queue.flush();
    storage.finish();
    await retried;
    assert.ok(!queue.hasPending('a') && !queue.hasPending('b'));
    assert.deepEqual(storage.batches[1]!.updates.map((entry) => entry.sessionId), ['a', 'b']);
    await queue.close();
  });
});
