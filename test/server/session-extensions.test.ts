import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isParticipant, type LiveSession, type Participant } from '../../server/sessions/live-session.js';
import type { SessionExtension } from '../../server/sessions/session-extension.js';
import { connectYjs } from './helpers/clients.js';
import { createSession, startTestServer, waitFor } from './helpers/server.js';

/** An extension that records, per session, which hook ran and with what. */
function recorder(name: string, log: string[]): SessionExtension {
  const origin = (value: unknown): string => (isParticipant(value) ? `participant:${value.kind}` : typeof value === 'symbol' ? value.description! : String(value));
  return {
    name,
    afterLoad: async (live: LiveSession) => void log.push(`${name} afterLoad ${live.text.toString()}`),
    onUpdate: (_live: LiveSession, _update: Uint8Array, from: unknown) => void log.push(`${name} onUpdate ${origin(from)}`),
    onParticipants: (live: LiveSession, participant: Participant, joined: boolean) =>
      void log.push(`${name} onParticipants ${participant.kind} ${joined ? 'joined' : 'left'} ${live.participants.size}`),
    afterStore: (_live: LiveSession, lastSeq: number) => void log.push(`${name} afterStore ${lastSeq > 0}`),
    beforeUnload: (live: LiveSession) => void log.push(`${name} beforeUnload ${live.text.toString()}`),
    afterUnload: () => void log.push(`${name} afterUnload`),
  };
}

describe('session extensions (the lifecycle hooks features plug into)', () => {
  it('runs every hook in lifecycle order and extension order, and a throwing extension breaks nothing', async () => {
    const log: string[] = [];
    const broken: SessionExtension = {
      name: 'broken',
      onUpdate: () => {
        throw new Error('a buggy feature');
      },
      onParticipants: () => {
        throw new Error('a buggy feature');
      },
    };
    const server = await startTestServer(
      { UNLOAD_GRACE: '50ms', FLUSH_INTERVAL: '10ms' },
      { extensions: [recorder('first', log), broken, recorder('second', log)] },
    );
    try {
      const { id } = await createSession(server.url, { code: 'x' });
      const a = await connectYjs(server.url, id);
      const b = await connectYjs(server.url, id);
      a.text.insert(1, 'y');
      await waitFor(() => b.text.toString() === 'xy', 'the edit reaches the other client despite the broken extension');
      await waitFor(() => log.includes('second afterStore true'), 'the edit stored');
      a.destroy();
      b.destroy();
      await waitFor(() => log.includes('second afterUnload'), 'unloaded');
      const of = (name: string): string[] => log.filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1));
      const expected = [
        'afterLoad x',
        'onParticipants yjs joined 1',
        'onParticipants yjs joined 2',
        'onUpdate participant:yjs',
        'afterStore true',
        'onParticipants yjs left 1',
        'onParticipants yjs left 0',
        'beforeUnload xy',
        'afterUnload',
      ];
      assert.deepEqual(of('first'), expected);
      assert.deepEqual(of('second'), of('first'), 'both extensions saw the same hooks');
      for (let i = 0; i < log.length; i += 2) {
        assert.equal(log[i]!.replace(/^first /, ''), log[i + 1]!.replace(/^second /, ''), 'each hook runs first, then second');
      }
      assert.equal(await (await fetch(`${server.url}/api/sessions/${id}/code`)).text(), 'xy', 'and the edit was stored');
    } finally {
      await server.close();
    }
  });
});
