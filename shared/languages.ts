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

/** How each language is named to people: the language selectors and the runs panel. */
export const LANGUAGE_LABELS: Readonly<Record<Language, string>> = { javascript: 'JavaScript', python: 'Python' };

/** The label of `value` if it is a language, else `value` itself (a run record may name anything). */
export function languageLabel(value: string): string {
  return isLanguage(value) ? LANGUAGE_LABELS[value] : value;
}
