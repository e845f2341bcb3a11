import { expect, fixture, html } from '@open-wc/testing';
import '../../web/embed.js';
import type { InterviewRoom } from '../../web/components/interview-room.js';
import type { RoomStatusEvent } from '../../web/components/room-events.js';
import { createSession, part, serverUrl, startServer, statusState, stopServer, until } from './helpers.js';

describe('<interview-room> connection status', () => {
  afterEach(async () => {
    await startServer(); // whatever a test did, leave a running server for the next
  });

  it('follows a dropped and restored connection, and keeps offline edits', async () => {
    const base = await serverUrl();
    const session = await createSession(base, { code: 'let x = 1;\n' });
    const room = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Ada"></interview-room>`);
    const states: string[] = [];
    room.addEventListener('room-status', (event: RoomStatusEvent) => states.push(event.detail.state));
    await until(() => statusState(room) === 'connected', 'connected');
    expect(part(room, 'status').textContent).to.contain('Connected');

    await stopServer();
    await until(() => statusState(room) === 'reconnecting', 'reconnecting after the server went away');
    expect(part(room, 'status').textContent).to.match(/reconnecting/i);

    // Typing while disconnected must survive the reconnection.
    const view = room.editorView!;
    view.dispatch({ changes: { from: view.state.doc.length, insert: 'offline edit\n' } });

    await startServer();
    await until(() => statusState(room) === 'connected', 'connected again after the restart', 12_000);
    expect(states).to.include.members(['reconnecting', 'connected']);
    expect(states.indexOf('reconnecting')).to.be.lessThan(states.lastIndexOf('connected'));

    // A fresh reader sees the offline edit: it reached the server.
    const reader = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Reader"></interview-room>`);
    await until(() => reader.code.includes('offline edit'), 'the offline edit on another client');
    expect(reader.code).to.equal('let x = 1;\noffline edit\n');
  });

  it('shows a clear message, not a spinner, for a session that does not exist', async () => {
    const base = await serverUrl();
    const room = await fixture<InterviewRoom>(
      html`<interview-room server=${base} session="00000000-0000-4000-8000-000000000000" name="Ada"></interview-room>`,
    );
    await until(() => statusState(room) === 'offline', 'offline for an unknown session');
    expect(room.status.closeCode).to.equal(4404);
    expect(part(room, 'status').textContent).to.contain('does not exist');
    expect(room.shadowRoot!.querySelector('[role="alert"]')?.textContent).to.contain('does not exist');
    // And it stays that way: no reconnect loop flips it back to connecting.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(statusState(room)).to.equal('offline');
  });
});
