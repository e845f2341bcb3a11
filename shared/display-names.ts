/**
 * Display names as people type them and as the server records them (in run records): trimmed and
 * bounded, so a hostile peer cannot flood a participant list or a run's header.
 */

/** Longest display name kept; longer ones are cut. */
export const MAX_NAME_LENGTH = 40;

/** Trims and bounds a name; anything but a non-empty string becomes `fallback`. */
export function cleanName(raw: unknown, fallback: string): string {
  const name = typeof raw === 'string' ? raw.trim().slice(0, MAX_NAME_LENGTH) : '';
  return name || fallback;
}
