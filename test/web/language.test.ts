import { language as languageFacet } from '@codemirror/language';
import { expect, fixture, html } from '@open-wc/testing';
import '../../web/embed.js';
import type { InterviewRoom } from '../../web/components/interview-room.js';
import { createSession, part, serverUrl, statusState, until } from './helpers.js';

/** The name of the language CodeMirror is currently parsing with. */
function editorLanguage(room: InterviewRoom): string | undefined {
  return room.editorView?.state.facet(languageFacet)?.name;
}

describe('<interview-room> language', () => {
  it('switching the selector changes the editor language for every participant', async () => {
    const base = await serverUrl();
    const session = await createSession(base, { language: 'javascript', code: 'def greet(name):\n    return f"hi {name}"\n' });
    const alice = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Alice"></interview-room>`);
    const bob = await fixture<InterviewRoom>(html`<interview-room server=${base} session=${session} name="Bob"></interview-room>`);
    await until(() => statusState(alice) === 'connected' && statusState(bob) === 'connected', 'both connected');
    await until(() => alice.language === 'javascript' && editorLanguage(alice) === 'javascript', 'javascript from the session');
    expect(part<HTMLSelectElement>(bob, 'language').value).to.equal('javascript');

    const select = part<HTMLSelectElement>(alice, 'language');
    select.value = 'python';
    select.dispatchEvent(new Event('change'));

    await until(() => editorLanguage(alice) === 'python', "Alice's editor to parse Python");
    await until(() => editorLanguage(bob) === 'python', "Bob's editor to parse Python");
    await bob.updateComplete;
    expect(part<HTMLSelectElement>(bob, 'language').value).to.equal('python');
    // Python highlighting is visible: the `def` keyword gets its own highlighted span.
    const keyword = [...part(bob, 'editor').querySelectorAll('.cm-line span')].find((span) => span.textContent === 'def');
    expect(keyword, 'def highlighted as a keyword').to.exist;
  });
});
