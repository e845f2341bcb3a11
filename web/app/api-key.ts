/** The deployment's API key for creating sessions (when the server sets `API_KEYS`), remembered in localStorage. */
import { readStored, removeStored, writeStored } from './local-store.js';

const STORAGE_KEY = 'interview-room:api-key';

/** The remembered API key, or `null`. */
export function loadApiKey(): string | null {
  return readStored(STORAGE_KEY);
}

/** Remembers `key` for the next sessions created in this browser. */
export function saveApiKey(key: string): void {
  writeStored(STORAGE_KEY, key);
}

/** Forgets the API key (the server refused it). */
export function forgetApiKey(): void {
  removeStored(STORAGE_KEY);
}
