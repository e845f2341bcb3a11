import { expect, fixture, html } from '@open-wc/testing';
import '../../web/embed.js';
import type { InterviewRoom } from '../../web/components/interview-room.js';
import type { RoomParticipantsEvent } from '../../web/components/room-events.js';
import { createSession, listedNames, part, serverUrl, statusState, until } from './helpers.js';

describe('<interview-room> participants', () => {
  it('the list follows joins and leaves', async () => {
    const base = await serverUrl();
    const session = await createSession(base);
    const host = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Interviewer"></interview-room>`);
    let lastEvent: RoomParticipantsEvent | null = null;
    host.addEventListener('room-participants', (event) => (lastEvent = event));
    await until(() => statusState(host) === 'connected', 'connected');
    expect(listedNames(host)).to.deep.equal(['Interviewer']);

    const candidate = document.createElement('interview-room');
    candidate.setAttribute('server', base);
    candidate.setAttribute('session', session);
    candidate.setAttribute('name', 'Candidate');
    document.body.append(candidate);
    await until(() => listedNames(host).length === 2, 'the candidate to appear');
    expect(listedNames(host)).to.deep.equal(['Interviewer', 'Candidate']);
    expect(part(host, 'participants').textContent).to.contain('2 in room');
    expect(lastEvent!.detail.participants.map((p) => p.name)).to.deep.equal(['Interviewer', 'Candidate']);

    candidate.remove();
    await until(() => listedNames(host).length === 1, 'the candidate to leave');
    expect(listedNames(host)).to.deep.equal(['Interviewer']);
    expect(part(host, 'participants').textContent).to.contain('1 in room');
  });

  it('renders a hostile name as text', async () => {
    const base = await serverUrl();
    const session = await createSession(base, { code: 'console.log(1);\n' });
    const hostile = '<img src=x onerror=alert(1)>';
    let alerted = false;
    const originalAlert = window.alert;
    window.alert = () => {
      alerted = true;
    };
    try {
      const viewer = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Viewer"></interview-room>`);
      const attacker = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name=${hostile}></interview-room>`);
      await until(() => listedNames(viewer).includes(hostile), 'the hostile name in the list');
      await until(() => attacker.code === 'console.log(1);\n', 'the attacker to sync');
      // Move the attacker's caret so their name label is drawn in the viewer's editor too.
      attacker.editorView!.focus();
      attacker.editorView!.dispatch({ selection: { anchor: 3 } });
      await until(() => !!viewer.shadowRoot!.querySelector('.cm-ySelectionInfo'), "the attacker's caret label");
      expect(viewer.shadowRoot!.querySelector('.cm-ySelectionInfo')!.textContent).to.equal(hostile);
      // (CodeMirror draws its own empty `img.cm-widgetBuffer` beside widgets; those are not the name.)
      expect(viewer.shadowRoot!.querySelectorAll('img[src], [onerror]').length, 'no element built from the name').to.equal(0);
      expect(viewer.shadowRoot!.querySelector('[part="participants"] li .name')!.children.length).to.equal(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(alerted).to.equal(false);
    } finally {
      window.alert = originalAlert;
    }
  });
});
