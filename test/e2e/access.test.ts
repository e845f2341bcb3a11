import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { codeOf, eventually, openPageAs, placeCaret, waitForState, useAppAndBrowser } from './helpers.js';

const app = useAppAndBrowser();

/** Creates a session from the home page (optionally private) and returns the two absolute links it shows. */
async function createFromHome(page: Page, password = ''): Promise<{ interviewer: string; candidate: string }> {
  await page.goto(app.server.url);
  if (password) await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Create session' }).click();
  const interviewer = await page.getByRole('textbox', { name: 'Interviewer link' }).inputValue();
  const candidate = await page.getByRole('textbox', { name: 'Candidate link' }).inputValue();
  return { interviewer, candidate };
}

/** The role badge next to `name` in the page's participant list. */
function badgeOf(page: Page, name: string) {
  return page.locator('interview-room [part="participants"] li', { has: page.locator('.name', { hasText: name }) }).locator('[part="role-badge"]');
}

test('both links; the interviewer link gives the interviewer role; lock, unlock and end across two pages', async () => {
  // The pages below run under the service's security headers; make sure there is a CSP to obey.
  const csp = (await fetch(app.server.url)).headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  const creator = await openPageAs(app.browser, 'Grace');
  const links = await createFromHome(creator.page);
  assert.match(links.interviewer, new RegExp(`^${app.server.url}/session/[0-9a-f-]{36}#owner=[\\w-]{20,}$`));
  assert.match(links.candidate, new RegExp(`^${app.server.url}/session/[0-9a-f-]{36}$`));
  await creator.page.getByText('keep this one to yourself').waitFor();

  const grace = await openPageAs(app.browser, 'Grace');
  await grace.page.goto(links.interviewer);
  await waitForState(grace.page, 'connected');
  assert.equal(new URL(grace.page.url()).hash, '', 'the owner secret left the address bar');
  await grace.page.getByText('the interviewer', { exact: true }).waitFor();

  // The reload after the end reads the info and gets 410, which Chromium logs: expected.
  const alan = await openPageAs(app.browser, 'Alan', [/Failed to load resource: the server responded with a status of 410/]);
  await alan.page.goto(links.candidate);
  await waitForState(alan.page, 'connected');
  await alan.page.getByText('a candidate', { exact: true }).waitFor();
  assert.equal(await alan.page.getByRole('button', { name: 'Lock editor' }).count(), 0, 'no controls for the candidate');

  // Roles in both lists; names stay text.
  await eventually(async () => (await badgeOf(alan.page, 'Grace').textContent()) === 'Interviewer', 'the interviewer badge at the candidate');
  await eventually(async () => (await badgeOf(grace.page, 'Alan').textContent()) === 'Candidate', 'the candidate badge at the interviewer');

  // Lock: the candidate's editor refuses typing and says why; the interviewer keeps typing.
  await grace.page.getByRole('button', { name: 'Lock editor' }).click();
  await alan.page.locator('interview-room [part="lock"]', { hasText: 'Locked by the interviewer' }).waitFor();
  await eventually(async () => (await alan.page.locator('interview-room .cm-content').getAttribute('contenteditable')) === 'false', 'a read-only editor');
  const before = await codeOf(alan.page);
  await alan.page.locator('interview-room .cm-content').click();
  await alan.page.keyboard.type('nope');
  await placeCaret(grace.page, 'end');
  await grace.page.keyboard.type('// still mine\n');
  await eventually(async () => (await codeOf(alan.page)) === before + '// still mine\n', "the interviewer's typing at the candidate");
  assert.equal(await codeOf(grace.page), before + '// still mine\n', "the candidate's keys changed nothing");

  // Unlock restores typing.
  await grace.page.getByRole('button', { name: 'Unlock editor' }).click();
  await eventually(async () => (await alan.page.locator('interview-room .cm-content').getAttribute('contenteditable')) === 'true', 'an editable editor');
  assert.equal(await alan.page.locator('interview-room [part="lock"]').count(), 0);
  await placeCaret(alan.page, 'end');
  await alan.page.keyboard.type('// candidate again\n');
  await eventually(async () => (await codeOf(grace.page)).endsWith('// candidate again\n'), "the candidate's typing at the interviewer");

  // End: both pages say so; a reload of the candidate's page too.
  await grace.page.getByRole('button', { name: 'End session' }).click();
  await grace.page.getByRole('button', { name: 'End now' }).click();
  for (const page of [grace.page, alan.page]) {
    await page.locator('interview-room [role="alert"]', { hasText: 'This session was ended by the interviewer.' }).waitFor();
  }
  await alan.page.reload();
  await alan.page.getByRole('heading', { name: 'This session was ended by the interviewer.' }).waitFor();
  // The interviewer still reads the final code; the candidate does not.
  assert.equal(await grace.page.getByLabel('Final code').textContent(), before + '// still mine\n// candidate again\n');
  assert.equal(await alan.page.getByLabel('Final code').count(), 0);

  for (const side of [creator, grace, alan]) {
    assert.deepEqual(await side.problems(), []);
    await side.page.context().close();
  }
});

test('a private session: password form, wrong password refused, right one opens; a new password signs the candidate out; removing it opens the link', async () => {
  // Refused requests before the password are expected; anything else (and any CSP report) fails.
  const expected = [/Failed to load resource: the server responded with a status of 401/];
  const creator = await openPageAs(app.browser, 'Grace');
  const links = await createFromHome(creator.page, 'open sesame 42');
  await creator.page.getByText('private: candidates need the password').waitFor();

  const alan = await openPageAs(app.browser, 'Alan', expected);
  await alan.page.goto(links.candidate);
  await alan.page.getByRole('heading', { name: 'This session is private' }).waitFor();
  const field = alan.page.getByLabel('Password from the interviewer');
  assert.equal(await field.getAttribute('type'), 'password');
  await field.fill('not the password');
  await alan.page.getByRole('button', { name: 'Enter' }).click();
  await alan.page.getByText('Wrong password.').waitFor();
  await field.fill('open sesame 42');
  await alan.page.getByRole('button', { name: 'Enter' }).click();
  await waitForState(alan.page, 'connected');
  assert.equal(new URL(alan.page.url()).search + new URL(alan.page.url()).hash, '', 'no password in the URL');

  // The interviewer changes the password: the candidate is asked again, over the kept room.
  const grace = await openPageAs(app.browser, 'Grace', expected);
  await grace.page.goto(links.interviewer);
  await waitForState(grace.page, 'connected');
  await grace.page.getByText('Password: on').click();
  await grace.page.getByLabel('New password').fill('a brand new one');
  await grace.page.getByRole('button', { name: 'Change password' }).click();
  await grace.page.getByText('Password set: candidates must enter it.').waitFor();
  await alan.page.getByText(/Access to this session changed/).waitFor();
  await waitForState(alan.page, 'offline');
  await alan.page.getByLabel('Password from the interviewer').fill('a brand new one');
  await alan.page.getByRole('button', { name: 'Enter' }).click();
  await waitForState(alan.page, 'connected');
  await waitForState(grace.page, 'connected');

  // Removing the password opens the session to the link: a new candidate gets no form; Alan stays.
  await grace.page.getByRole('button', { name: 'Remove password' }).click();
  await grace.page.getByText('Password removed').waitFor();
  const carol = await openPageAs(app.browser, 'Carol');
  await carol.page.goto(links.candidate);
  await waitForState(carol.page, 'connected');
  assert.equal(await carol.page.getByLabel('Password from the interviewer').count(), 0);
  await waitForState(alan.page, 'connected');

  for (const side of [creator, alan, grace, carol]) {
    assert.deepEqual(await side.problems(), []);
    await side.page.context().close();
  }
});
