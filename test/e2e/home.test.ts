import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeOf, waitForState, useAppAndBrowser } from './helpers.js';

const app = useAppAndBrowser();

test('the home page creates a session and its link opens the room', async () => {
  const context = await app.browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  await page.goto(app.server.url);
  await page.getByRole('heading', { name: 'Interview room' }).waitFor();
  await page.locator('home-page select').selectOption('python');
  await page.getByRole('button', { name: 'Create session' }).click();

  const link = page.getByRole('textbox', { name: 'Candidate link' });
  await link.waitFor();
  const shared = await link.inputValue();
  assert.match(shared, new RegExp(`^${app.server.url}/session/[0-9a-f-]{36}$`));
  await page.getByRole('button', { name: 'Copy: Candidate link' }).click();
  await page.getByRole('button', { name: 'Copied: Candidate link' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shared);
  const interviewerLink = await page.getByRole('textbox', { name: 'Interviewer link' }).inputValue();
  assert.equal(interviewerLink.split('#')[0], shared);

  // Follow the link the way a candidate would: a fresh browser context, a cold load of the URL.
  const candidate = await (await app.browser.newContext()).newPage();
  await candidate.goto(shared);
  await candidate.getByLabel('Your name, as others will see it').fill('Candidate');
  await candidate.getByRole('button', { name: 'Join' }).click();
  await waitForState(candidate, 'connected');
  assert.equal(await candidate.locator('interview-room [part="language"]').inputValue(), 'python');
  assert.deepEqual(await candidate.locator('interview-room [part="participants"] li .name').allTextContents(), ['Candidate']);

  // The name is remembered: a reload goes straight into the room.
  await candidate.reload();
  await waitForState(candidate, 'connected');
  assert.equal(await candidate.getByLabel('Your name, as others will see it').count(), 0);

  // In-app navigation on the creator's page: "Open the room" goes to the room without a reload,
  // as the interviewer, and the owner secret leaves the address bar.
  await page.getByRole('link', { name: /Open the room/ }).click();
  await page.waitForURL(shared);
  await page.getByLabel('Your name, as others will see it').fill('Interviewer');
  await page.getByRole('button', { name: 'Join' }).click();
  await waitForState(page, 'connected');
  await page.locator('interview-room [part="participants"] li .name', { hasText: 'Candidate' }).waitFor();
  await candidate.locator('interview-room [part="participants"] li .name', { hasText: 'Interviewer' }).waitFor();
  await page.getByText('the interviewer', { exact: true }).waitFor();
  // Both show the same code: whatever the server seeded, with no client-side template added.
  assert.equal(await codeOf(page), await codeOf(candidate));
  await context.close();
  await candidate.context().close();
});
