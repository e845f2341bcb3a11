/** localStorage that never throws: private mode and sandboxed frames refuse storage, and the app then just asks again. */

/** The stored value of `key`, or `null` (absent or storage unavailable). */
export function readStored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Stores `value` under `key`; failures are ignored. */
export function writeStored(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not remembered then: harmless, the app asks again next time.
  }
}

/** Removes `key`; failures are ignored. */
export function removeStored(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch {
    // Nothing stored in the first place.
  }
}
