/** Languages a session can be set to; the first is the default for new sessions. */
export const LANGUAGES = ['javascript', 'python'] as const;

/** A language a session can be set to. */
export type Language = (typeof LANGUAGES)[number];

/** The language of a session created without one. */
export const DEFAULT_LANGUAGE: Language = 'javascript';

/** Whether `value` names a supported language (exact, case-sensitive match). */
export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}
