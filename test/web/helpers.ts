/** Helpers for the component tests: the live test server and waiting on what renders. */
import type { InterviewRoom } from '../../web/components/interview-room.js';

/** The URL of the server web-test-runner started (see web-test-runner.config.mjs). */
export async function serverUrl(): Promise<string> {
  const res = await fetch('/__test-server/info');
  return ((await res.json()) as { url: string }).url;
}

/** Stops the test server (every socket closes with 1012); sessions survive on disk. */
export async function stopServer(): Promise<void> {
  await fetch('/__test-server/stop', { method: 'POST' });
}

/** Starts the test server again on the same port and data directory. */
export async function startServer(): Promise<void> {
  await fetch('/__test-server/start', { method: 'POST' });
}

/** Creates a session over REST and returns its id. */
export async function createSession(base: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
  return ((await res.json()) as { id: string }).id;
}

/** Polls `predicate` until it holds; fails with `what` after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The element's shadow part `name`. */
export function part<T extends Element = HTMLElement>(room: InterviewRoom, name: string): T {
  const found = room.shadowRoot?.querySelector<T>(`[part~="${name}"]`);
  if (!found) throw new Error(`no part ${name}`);
  return found;
}

/** The `data-state` of the status part. */
export function statusState(room: InterviewRoom): string | undefined {
  return part(room, 'status').dataset.state;
}

/** The names shown in the participant list, in order. */
export function listedNames(room: InterviewRoom): string[] {
  return [...part(room, 'participants').querySelectorAll('li .name')].map((node) => node.textContent ?? '');
}

/** A session created over REST, with the owner secret (docs/access-api.md). */
export interface CreatedForTest {
  id: string;
  ownerSecret: string;
}

/** Creates a session over REST and returns its id and owner secret. */
export async function createOwnedSession(base: string, body: Record<string, unknown> = {}): Promise<CreatedForTest> {
  const res = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`create failed: ${res.status}`);
  return (await res.json()) as CreatedForTest;
}

/** Exchanges an owner secret or a password for a token. */
export async function tokenFor(base: string, sessionId: string, credentials: { ownerSecret: string } | { password: string }): Promise<string> {
  const res = await fetch(`${base}/api/sessions/${sessionId}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (res.status !== 200) throw new Error(`token refused: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/** The roles shown as badges in the participant list, by name. */
export function listedRoles(room: InterviewRoom): Record<string, string> {
  const roles: Record<string, string> = {};
  for (const li of part(room, 'participants').querySelectorAll('li')) {
    roles[li.querySelector('.name')?.textContent ?? ''] = li.querySelector('[part~="role-badge"]')?.textContent ?? '';
  }
  return roles;
}
