/** The participant's display name, remembered in localStorage so the room asks only once. */
import { cleanName } from '../../shared/display-names.js';
import { readStored, writeStored } from './local-store.js';

const STORAGE_KEY = 'interview-room:display-name';

/** The remembered name, or `null` if none was saved (or storage is unavailable). */
export function loadDisplayName(): string | null {
  const saved = readStored(STORAGE_KEY);
  return saved ? cleanName(saved, '') || null : null;
}

/** Remembers `name`; storage failures (private mode, sandboxed frames) are ignored. */
export function saveDisplayName(name: string): void {
  writeStored(STORAGE_KEY, name);
}
