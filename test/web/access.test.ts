import { expect, fixture, html } from '@open-wc/testing';
import '../../web/embed.js';
import type { InterviewRoom } from '../../web/components/interview-room.js';
import type { RoomAccessEvent, RoomAuthRequiredEvent, RoomEndedEvent } from '../../web/components/room-events.js';
import { terminalStatus } from '../../web/connection/connection-status.js';
import { createOwnedSession, listedRoles, part, serverUrl, statusState, tokenFor, until } from './helpers.js';

/** Whether the element's editor refuses typing (CodeMirror's read-only state and no contenteditable). */
function locked(room: InterviewRoom): boolean {
  const view = room.editorView!;
  return view.state.readOnly && view.contentDOM.getAttribute('contenteditable') === 'false';
}

/** Clicks a shadow part's button. */
function press(room: InterviewRoom, name: string): void {
  part<HTMLButtonElement>(room, name).click();
}

describe('<interview-room> access', () => {
  it('a private session asks for sign-in (4401, room-auth-required) and a new token reconnects', async () => {
    const base = await serverUrl();
    const session = await createOwnedSession(base, { password: 'correct horse', code: 'secret();\n' });
    const room = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session.id} name="Eve"></interview-room>`);
    const asked: RoomAuthRequiredEvent[] = [];
    room.addEventListener('room-auth-required', (event) => asked.push(event));
    await until(() => statusState(room) === 'offline', 'refused without a token');
    expect(room.status.closeCode).to.equal(4401);
    expect(part(room, 'status').textContent).to.match(/sign-in required/i);
    await until(() => asked.length === 1, 'room-auth-required');
    expect(asked[0]!.detail).to.deep.equal({ sessionId: session.id, closeCode: 4401 });
    expect(room.code, 'nothing of the private code reached the page').to.equal('');

    room.token = await tokenFor(base, session.id, { password: 'correct horse' });
    await until(() => statusState(room) === 'connected', 'connected with the token');
    await until(() => room.code === 'secret();\n', 'the code after signing in');
  });

  // This page is on web-test-runner's origin, so the element's PATCH goes cross-origin and relies
  // on the service's CORS preflight allowing PATCH (server/http/cors.ts).
  it('shows roles; the lock makes the candidate read-only while the interviewer keeps editing; unlock restores', async () => {
    const base = await serverUrl();
    const session = await createOwnedSession(base, { code: 'x\n' });
    const token = await tokenFor(base, session.id, { ownerSecret: session.ownerSecret });
    const interviewer = await fixture<InterviewRoom>(
      html`<interview-room server=${base} session=${session.id} name="Grace" token=${token} participant-role="interviewer"></interview-room>`,
    );
    const candidate = await fixture<InterviewRoom>(
      html`<interview-room server=${base} session=${session.id} name="Alan" participant-role="candidate"></interview-room>`,
    );
    const access: RoomAccessEvent[] = [];
    candidate.addEventListener('room-access', (event) => access.push(event));
    await until(() => statusState(interviewer) === 'connected' && statusState(candidate) === 'connected', 'both connected');
    // Each element hears of the other through awareness on its own schedule: wait for both lists.
    await until(
      () => Object.keys(listedRoles(candidate)).length === 2 && Object.keys(listedRoles(interviewer)).length === 2,
      'both in both lists',
    );
    expect(listedRoles(candidate)).to.deep.equal({ Alan: 'Candidate', Grace: 'Interviewer' });
    expect(listedRoles(interviewer)).to.deep.equal({ Grace: 'Interviewer', Alan: 'Candidate' });
    expect(candidate.shadowRoot!.querySelector('[part~="controls"]'), 'no controls for a candidate').to.equal(null);

    press(interviewer, 'lock-toggle');
    await until(() => candidate.readOnly && locked(candidate), "the candidate's editor to lock").catch((error: Error) => {
      throw new Error(`${error.message}; controls say: ${part(interviewer, 'controls').textContent?.trim()}`);
    });
    expect(part(candidate, 'lock').textContent).to.contain('Locked by the interviewer');
    expect(access.at(-1)!.detail).to.deep.equal({ readOnly: true, editable: false });
    await interviewer.updateComplete;
    expect(locked(interviewer), "the interviewer's editor stays editable").to.equal(false);
    expect(part(interviewer, 'lock-toggle').getAttribute('aria-pressed')).to.equal('true');
    interviewer.editorView!.dispatch({ changes: { from: 0, insert: 'grace ' } });
    await until(() => candidate.code === 'grace x\n', "the interviewer's edit at the candidate");

    press(interviewer, 'lock-toggle');
    await until(() => !candidate.readOnly && !locked(candidate), "the candidate's editor to unlock");
    expect(candidate.shadowRoot!.querySelector('[part~="lock"]')).to.equal(null);
    candidate.editorView!.dispatch({ changes: { from: candidate.code.length, insert: 'alan\n' } });
    await until(() => interviewer.code === 'grace x\nalan\n', "the candidate's edit at the interviewer");
  });

  it('a candidate cannot pose as the interviewer: the server stamps the real role', async () => {
    const base = await serverUrl();
    const session = await createOwnedSession(base);
    const viewer = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session.id} name="Viewer"></interview-room>`);
    await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session.id} name="Mallory" participant-role="interviewer"></interview-room>`);
    await until(() => listedRoles(viewer).Mallory !== undefined, 'Mallory in the list');
    await until(() => listedRoles(viewer).Mallory === 'Candidate', 'Mallory stamped as a candidate');
  });

  it('ending the session shows the ended message on every element', async () => {
    const base = await serverUrl();
    const session = await createOwnedSession(base);
    const token = await tokenFor(base, session.id, { ownerSecret: session.ownerSecret });
    const interviewer = await fixture<InterviewRoom>(
      html`<interview-room server=${base} session=${session.id} name="Grace" token=${token} participant-role="interviewer"></interview-room>`,
    );
    const candidate = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session.id} name="Alan"></interview-room>`);
    const ended: RoomEndedEvent[] = [];
    candidate.addEventListener('room-ended', (event) => ended.push(event));
    await until(() => statusState(interviewer) === 'connected' && statusState(candidate) === 'connected', 'both connected');

    press(interviewer, 'end');
    await interviewer.updateComplete;
    expect(part(interviewer, 'controls').textContent).to.contain('End the session for everyone?');
    press(interviewer, 'end-confirm');
    for (const room of [interviewer, candidate]) {
      await until(() => room.status.closeCode === 4411, 'closed with 4411');
      expect(statusState(room)).to.equal('offline');
      expect(room.shadowRoot!.querySelector('[role="alert"]')?.textContent).to.contain('This session was ended by the interviewer.');
    }
    expect(ended.map((event) => event.detail.sessionId)).to.deep.equal([session.id]);
  });

  it('explains a limit (4429) and a token for another session (4403)', () => {
    expect(terminalStatus(4429).message).to.match(/too many connections/i);
    expect(terminalStatus(4429).message).to.match(/session is full/i);
    expect(terminalStatus(4403).message).to.contain('does not give access');
    expect(terminalStatus(4411).message).to.equal('This session was ended by the interviewer.');
  });
});
