/** CodeMirror language support for each session language. */
import { javascript } from '@codemirror/lang-javascript';
import { python } from '@codemirror/lang-python';
import type { LanguageSupport } from '@codemirror/language';
import type { Language } from '../../shared/languages.js';

/** The CodeMirror extension that highlights and indents `language`. */
export function languageSupport(language: Language): LanguageSupport {
  return language === 'python' ? python() : javascript();
}
