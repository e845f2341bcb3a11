import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { codeOf, createSession, eventually, openRoomAs, placeCaret, useAppAndBrowser } from './helpers.js';

const STARTER = `// Two Sum: return the indices of the two numbers that add up to target.
function twoSum(nums, target) {
  const seen = new Map();
  for (let i = 0; i < nums.length; i++) {
    const need = target - nums[i];
    if (seen.has(need)) return [seen.get(need), i];
    seen.set(nums[i], i);
  }
  return null;
}
`;

const app = useAppAndBrowser();

test('two pages type at the same time and end with identical code', async () => {
  const session = await createSession(app.server.url, { language: 'javascript', code: STARTER });
  // Grace opens the interviewer link: the screenshot shows her badge and controls.
  const interviewer = await openRoomAs(app.browser, `${app.server.url}${session.interviewerUrl}`, 'Grace');
  const candidate = await openRoomAs(app.browser, `${app.server.url}${session.url}`, 'Alan');
  await eventually(async () => (await codeOf(candidate)) === STARTER, 'the starter code on both pages');

  await placeCaret(interviewer, 'start');
  await placeCaret(candidate, 'end');
  const header = '// Interviewer: walk me through the complexity.\n';
  const tests = "console.log(twoSum([2, 7, 11, 15], 9)); // [0, 1]\n";
  await Promise.all([interviewer.keyboard.type(header, { delay: 15 }), candidate.keyboard.type(tests, { delay: 15 })]);

  await eventually(async () => {
    const [a, b] = await Promise.all([codeOf(interviewer), codeOf(candidate)]);
    return a === b && a.includes(header.trim()) && a.includes(tests.trim());
  }, 'both pages to converge with both texts');
  const final = await codeOf(interviewer);
  assert.equal(final, header + STARTER + tests);

  // Both see each other in the participant list, with names as text.
  const names = await interviewer.locator('interview-room [part="participants"] li .name').allTextContents();
  assert.deepEqual(names.sort(), ['Alan', 'Grace']);

  // The screenshot for the README: the candidate selects a line mid-function; his caret is labelled.
  await candidate.locator('interview-room .cm-line').nth(6).click();
  await candidate.keyboard.press('End');
  await candidate.keyboard.press('Shift+Home');
  await interviewer.locator('interview-room .cm-ySelectionInfo', { hasText: 'Alan' }).waitFor();
  await interviewer.screenshot({ path: path.resolve('docs', 'screenshot.png') });
  await interviewer.context().close();
  await candidate.context().close();
});
