/**
 * The editor's theme, written against the element's CSS custom properties so that embedders
 * restyle the editor the same way as the rest of the room (light and dark alike).
 */
import { EditorView } from '@codemirror/view';

/** Colours and fonts of the editor, taken from `--ir-*` custom properties. */
export const editorTheme = EditorView.theme({
  '&': { height: '100%', color: 'var(--ir-editor-fg)', backgroundColor: 'var(--ir-editor-bg)', fontSize: 'var(--ir-code-size)' },
  '.cm-scroller': { fontFamily: 'var(--ir-code-font)', lineHeight: '1.5' },
  '.cm-content': { caretColor: 'var(--ir-accent)' },
  '.cm-gutters': { backgroundColor: 'var(--ir-gutter-bg)', color: 'var(--ir-muted)', borderRight: '1px solid var(--ir-border)' },
  '.cm-activeLine': { backgroundColor: 'var(--ir-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--ir-active-line)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--ir-accent)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--ir-selection)' },
  // Remote carets carry their owner's name permanently (y-codemirror.next shows it only on hover):
  // in an interview you want to see at a glance who is typing where.
  '.cm-ySelectionInfo': { opacity: 1, fontFamily: 'var(--ir-font)', fontSize: '11px', padding: '0 4px', borderRadius: '3px 3px 3px 0' },
  '.cm-panels': { backgroundColor: 'var(--ir-surface)', color: 'var(--ir-fg)' },
});
