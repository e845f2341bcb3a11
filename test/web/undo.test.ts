import { expect, fixture, html } from '@open-wc/testing';
import { yUndoManagerKeymap } from 'y-codemirror.next';
import '../../web/embed.js';
import type { InterviewRoom } from '../../web/components/interview-room.js';
import { createSession, serverUrl, statusState, until } from './helpers.js';

/** Runs the editor's Mod-z binding, as pressing Ctrl+Z does. */
function undo(room: InterviewRoom): void {
  const binding = yUndoManagerKeymap.find((entry) => entry.key === 'Mod-z');
  binding!.run!(room.editorView!);
}

describe('<interview-room> undo', () => {
  it("undoes only the local participant's typing", async () => {
    const base = await serverUrl();
    const session = await createSession(base, { code: 'x\n' });
    const alice = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Alice"></interview-room>`);
    const bob = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Bob"></interview-room>`);
    await until(() => statusState(alice) === 'connected' && statusState(bob) === 'connected' && bob.code === 'x\n', 'both synced');

    alice.editorView!.dispatch({ changes: { from: 0, insert: 'alice ' } });
    await until(() => bob.code === 'alice x\n', "Alice's edit at Bob");
    bob.editorView!.dispatch({ changes: { from: bob.code.length, insert: 'bob\n' } });
    await until(() => alice.code === 'alice x\nbob\n', "Bob's edit at Alice");

    undo(alice);
    await until(() => bob.code === 'x\nbob\n', "Alice's undo at Bob");
    expect(alice.code).to.equal('x\nbob\n');
  });
});
