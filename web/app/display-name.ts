/** The participant's display name, remembered in localStorage so the room asks only once. */
import { cleanName } from '../connection/participants.js';

const STORAGE_KEY = 'interview-room:display-name';

/** The remembered name, or `null` if none was saved (or storage is unavailable). */
export function loadDisplayName(): string | null {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return saved ? cleanName(saved, '') || null : null;
  } catch {
    return null;
  }
}

/** Remembers `name`; storage failures (private mode, sandboxed frames) are ignored. */
export function saveDisplayName(name: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, name);
  } catch {
    // Not remembered then: the room asks again next time, which is harmless.
  }
}
