/** Shared setup of the end-to-end tests: a real server, Debian's Chromium, and page helpers. */
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startServer, type RunningServer } from '../../server/server.js';

/** Flags that let Debian's Chromium run headless as root in a container. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Launches Debian's Chromium (never a downloaded browser). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/** Starts the real server (built web app from dist/web) on `port` (0: any), quiet, with `env` on top. */
export function startAppServer(env: Record<string, string> = {}, port = 0): Promise<RunningServer> {
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', STORAGE: 'memory', LOG_LEVEL: 'silent', ...env });
  return startServer(config, createLogger('silent'));
}

/**
 * Starts the real server (with `env`) and Debian's Chromium before a test file's tests and closes
 * both after them; the returned object holds them once `before` has run.
 */
export function useAppAndBrowser(env: Record<string, string> = {}): { server: RunningServer; browser: Browser } {
  const app = {} as { server: RunningServer; browser: Browser };
  before(async () => {
    app.server = await startAppServer(env);
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.close();
  });
  return app;
}

/** Creates a session over REST: its candidate `url` and the interviewer's `interviewerUrl` (with `#owner=`). */
export async function createSession(base: string, body: Record<string, unknown> = {}): Promise<{ id: string; url: string; interviewerUrl: string }> {
  const res = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; url: string; interviewerUrl: string };
}

/** Opens a room page as `name` (remembered name pre-set, so the name prompt is skipped). */
export async function openRoomAs(browser: Browser, url: string, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript((value) => window === window.top && localStorage.setItem('interview-room:display-name', value), name);
  const page = await context.newPage();
  await page.goto(url);
  await waitForState(page, 'connected');
  return page;
}

/** Waits until the page's first `<interview-room>` shows `state` in its status part. */
export async function waitForState(page: Page, state: string, timeout = 15_000): Promise<void> {
  await page.locator(`interview-room [part="status"][data-state="${state}"]`).first().waitFor({ timeout });
}

/** The code as the page's editor holds it (from CodeMirror's state, not the DOM text). */
export function codeOf(page: Page): Promise<string> {
  return page.locator('interview-room').first().evaluate((el) => (el as HTMLElement & { code: string }).code);
}

/** Polls until `check` resolves true; fails with `what` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Puts the caret of the page's editor at the start or end of the document. */
export async function placeCaret(page: Page, where: 'start' | 'end'): Promise<void> {
  await page.locator('interview-room .cm-content').first().click();
  await page.keyboard.press(where === 'start' ? 'Control+Home' : 'Control+End');
}

/**
 * Collects what must never happen on a page: Content Security Policy violations (the
 * `securitypolicyviolation` event, recorded from the first script on), uncaught errors, and console
 * errors. Chromium also logs refused HTTP requests and WebSocket handshakes as console errors; the
 * access flows cause some on purpose (401 before the password), so `allowed` filters those.
 */
export async function watchForProblems(page: Page, allowed: RegExp[] = []): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  await page.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as { __cspViolations?: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} blocked ${event.blockedURI}`));
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (/Content.Security.Policy/i.test(text) || !allowed.some((pattern) => pattern.test(text))) {
      problems.push(`console: ${text} (${message.location().url})`);
    }
  });
  return async () => {
    const violations = page.isClosed() ? [] : await page.evaluate(() => (globalThis as { __cspViolations?: string[] }).__cspViolations ?? []);
    return [...problems, ...violations.map((v) => `csp: ${v}`)];
  };
}

/** Opens a page in a fresh context with `name` remembered (no name prompt), watching for problems. */
export async function openPageAs(browser: Browser, name: string, allowed: RegExp[] = []): Promise<{ page: Page; problems: () => Promise<string[]> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript((value) => window === window.top && localStorage.setItem('interview-room:display-name', value), name);
  const page = await context.newPage();
  const problems = await watchForProblems(page, allowed);
  return { page, problems };
}
