import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TickCork } from '../../server/ws/tick-cork.js';

/** A connected pair of TCP sockets on 127.0.0.1; `received` collects what reaches the client. */
async function socketPair(): Promise<{ server: net.Socket; client: net.Socket; received: () => string; close: () => Promise<void> }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  let text = '';
  client.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    server,
    client,
    received: () => text,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

/** Counts the system-call level writes the socket makes (`_write` for one chunk, `_writev` for several). */
function countWrites(socket: net.Socket): { calls: number; chunks: number } {
  const counts = { calls: 0, chunks: 0 };
  const internals = socket as unknown as {
    _write: (chunk: unknown, encoding: unknown, callback: unknown) => void;
    _writev: (chunks: unknown[], callback: unknown) => void;
  };
  const write = internals._write.bind(socket);
  const writev = internals._writev.bind(socket);
  internals._write = (chunk, encoding, callback) => {
    counts.calls++;
    counts.chunks++;
    write(chunk, encoding, callback);
  };
  internals._writev = (chunks, callback) => {
    counts.calls++;
    counts.chunks += chunks.length;
    writev(chunks, callback);
  };
  return counts;
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('frames sent in one callback leave in one write', () => {
  let pair: Awaited<ReturnType<typeof socketPair>>;
  // The loop of a test is idle: hold frames whatever the load (one test below covers the load).
  const always = new TickCork('always');
  const corkUntilTickEnd = (socket: net.Socket): void => always.hold(socket);
  before(async () => {
    pair = await socketPair();
  });
  after(async () => {
    await pair.close();
  });

  it('holds the writes of one callback and sends them together, in order', async () => {
    const counts = countWrites(pair.server);
    corkUntilTickEnd(pair.server);
    pair.server.write('keystroke;');
    corkUntilTickEnd(pair.server);
    pair.server.write('cursor;');
    assert.equal(counts.calls, 0, 'nothing leaves while the callback runs');
    await until(() => pair.received() === 'keystroke;cursor;');
    assert.deepEqual(counts, { calls: 1, chunks: 2 }, 'both frames in one write');
  });

  it('corks again in a later callback, and leaves an uncorked socket alone', async () => {
    const counts = countWrites(pair.server);
    corkUntilTickEnd(pair.server);
    pair.server.write('a;');
    pair.server.write('b;');
    await until(() => pair.received().endsWith('a;b;'));
    assert.deepEqual(counts, { calls: 1, chunks: 2 });
    // Without the cork every write goes out by itself: the count above is the helper's doing.
    pair.server.write('c;');
    pair.server.write('d;');
    await until(() => pair.received().endsWith('c;d;'));
    assert.equal(counts.calls, 3);
  });

  it('holds frames only while the event loop is busy', async () => {
    const byLoad = new TickCork('load');
    const sendTwo = (first: string, second: string): void => {
      byLoad.hold(pair.server);
      pair.server.write(first);
      byLoad.hold(pair.server);
      pair.server.write(second);
    };
    try {
      // The first call starts the load sampling.
      sendTwo('start1;', 'start2;');
      // A busy loop: callbacks of 20 ms back to back, for over two windows.
      const busyUntil = Date.now() + 1_200;
      while (Date.now() < busyUntil) {
        await new Promise((resolve) => setImmediate(resolve));
        const spinUntil = Date.now() + 20;
        while (Date.now() < spinUntil);
      }
      let counts = countWrites(pair.server);
      sendTwo('busy1;', 'busy2;');
      assert.equal(counts.calls, 0, 'a busy loop holds the frames until the callback ends');
      await until(() => pair.received().endsWith('busy1;busy2;'));
      assert.deepEqual(counts, { calls: 1, chunks: 2 });
      // Then over two windows of an idle loop.
      await sleep(1_200);
      counts = countWrites(pair.server);
      sendTwo('idle1;', 'idle2;');
      assert.equal(counts.calls, 2, 'an idle loop sends each frame at once');
      await until(() => pair.received().endsWith('idle1;idle2;'));
    } finally {
      byLoad.stop();
    }
  });

  it('ignores a destroyed socket', async () => {
    const { server, close } = await socketPair();
    server.destroy();
    corkUntilTickEnd(server);
    assert.equal(server.writableCorked, 0);
    await close();
  });
});
