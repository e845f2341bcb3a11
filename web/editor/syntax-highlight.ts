/**
 * Syntax colours as CSS custom properties (`--ir-syntax-*`), so light, dark and embedder themes
 * recolour code the same way they recolour the rest of the room. CodeMirror's default style uses
 * fixed light-background colours that are unreadable on a dark editor.
 */
import { HighlightStyle } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

/** The editor's highlight style; every colour is a `var(--ir-syntax-*)`. */
export const syntaxHighlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword, t.definitionKeyword, t.modifier], color: 'var(--ir-syntax-keyword)' },
  { tag: [t.comment, t.lineComment, t.blockComment, t.docComment], color: 'var(--ir-syntax-comment)', fontStyle: 'italic' },
  { tag: [t.string, t.special(t.string), t.regexp, t.escape], color: 'var(--ir-syntax-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--ir-syntax-number)' },
  { tag: [t.function(t.variableName), t.function(t.definition(t.variableName)), t.function(t.propertyName)], color: 'var(--ir-syntax-function)' },
  { tag: [t.definition(t.variableName), t.definition(t.propertyName)], color: 'var(--ir-syntax-definition)' },
  { tag: [t.typeName, t.className, t.namespace, t.standard(t.variableName)], color: 'var(--ir-syntax-type)' },
  { tag: [t.propertyName, t.attributeName], color: 'var(--ir-syntax-property)' },
  { tag: [t.operator, t.punctuation, t.bracket], color: 'var(--ir-syntax-punctuation)' },
  { tag: [t.meta, t.annotation], color: 'var(--ir-syntax-meta)' },
  { tag: t.invalid, color: 'var(--ir-error)' },
]);
