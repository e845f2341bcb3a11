/**
 * Every place where the server mirrors or reaches into y-protocols' awareness internals, kept in
 * one module so that an upgrade of y-protocols has one file to check, and pinned by
 * test/server/awareness-internals.test.ts, which fails if the upstream behaviour mirrored here
 * changes (the clock rules and events of `applyAwarenessUpdate`, the per-document
 * `_checkInterval` timer and its 30 s outdated rule with origin `'timeout'`).
 */
import { equalityDeep } from 'lib0/function';
import { getUnixTime } from 'lib0/time';
import { outdatedTimeout, removeAwarenessStates, type Awareness } from 'y-protocols/awareness';
import type { AwarenessChange } from './session-extension.js';

/** One entry of an awareness update, its state already parsed (null: the client left). */
export interface AwarenessEntry {
  clientId: number;
  clock: number;
  state: unknown;
}


/**
 * Applies guarded entries to the server's awareness exactly as y-protocols' `applyAwarenessUpdate`
 * applies an encoded update (same clock rules, same `change` and `update` events), without parsing
 * every state a second time: cursors arrive more often than keystrokes. Returns what changed (all
 * empty when the clocks made it a no-op).
 */
export function applyAwarenessEntries(awareness: Awareness, entries: AwarenessEntry[], origin: unknown): AwarenessChange {
  const timestamp = Date.now();
  const added: number[] = [];
  const updated: number[] = [];
  const filteredUpdated: number[] = [];
  const removed: number[] = [];
  for (const { clientId, state, clock: received } of entries) {
    let clock = received;
    const clientMeta = awareness.meta.get(clientId);
    const prevState: unknown = awareness.states.get(clientId);
    const currClock = clientMeta === undefined ? 0 : clientMeta.clock;
    if (currClock < clock || (currClock === clock && state === null && awareness.states.has(clientId))) {
      if (state === null) {
        // Never let a remote client remove the local state (the server has none, but stay exact).
        if (clientId === awareness.clientID && awareness.getLocalState() != null) clock++;
        else awareness.states.delete(clientId);
      } else {
        awareness.states.set(clientId, state as Record<string, unknown>);
      }
      awareness.meta.set(clientId, { clock, lastUpdated: timestamp });
      if (clientMeta === undefined && state !== null) added.push(clientId);
      else if (clientMeta !== undefined && state === null) removed.push(clientId);
      else if (state !== null) {
        if (!equalityDeep(state, prevState)) filteredUpdated.push(clientId);
        updated.push(clientId);
      }
    }
  }
  if (added.length > 0 || filteredUpdated.length > 0 || removed.length > 0) {
    awareness.emit('change', [{ added, updated: filteredUpdated, removed }, origin]);
  }
  if (added.length > 0 || updated.length > 0 || removed.length > 0) {
    awareness.emit('update', [{ added, updated, removed }, origin]);
  }
  return { added, updated, removed };
}

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
