import { getUnixTime } from 'lib0/time';
import { outdatedTimeout, removeAwarenessStates, type Awareness } from 'y-protocols/awareness';

/** y-protocols checks each document this often (a tenth of `outdatedTimeout`). */
const SWEEP_MS = Math.floor(outdatedTimeout / 10);

const swept = new Set<Awareness>();
let timer: NodeJS.Timeout | null = null;

/**
 * Removes the states of clients not heard from within `outdatedTimeout` (30 s), with y-protocols'
 * own rule and origin (`'timeout'`). Clients renew their state every 15 s while connected.
 */
export function sweepOutdated(awareness: Awareness, now = getUnixTime()): void {
  const remove: number[] = [];
  awareness.meta.forEach((meta, clientId) => {
    if (clientId !== awareness.clientID && outdatedTimeout <= now - meta.lastUpdated && awareness.states.has(clientId)) remove.push(clientId);
  });
  if (remove.length > 0) removeAwarenessStates(awareness, remove, 'timeout');
}

/**
 * Takes over the outdated-state check of a server-side awareness, which holds no local state:
 * every y-protocols `Awareness` starts a 3 s interval of its own, a timer and closures per
 * session; one interval here checks every loaded session instead. Undone by `unsweep`.
 */
export function sweepShared(awareness: Awareness): void {
  clearInterval(awareness._checkInterval as NodeJS.Timeout);
  // A cleared timer object stays reachable from the field, with y-protocols' closure: drop it
  // (Awareness.destroy clears the field again, which for undefined does nothing).
  awareness._checkInterval = undefined;
  swept.add(awareness);
  if (!timer) {
    timer = setInterval(() => {
      const now = getUnixTime();
      for (const each of swept) sweepOutdated(each, now);
    }, SWEEP_MS);
    timer.unref();
  }
}

/** Stops checking `awareness` (its session is unloading). */
export function unsweep(awareness: Awareness): void {
  swept.delete(awareness);
  if (swept.size === 0 && timer) {
    clearInterval(timer);
    timer = null;
  }
}
