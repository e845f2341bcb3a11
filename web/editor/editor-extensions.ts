/**
 * The editor's extensions: a basic setup without CodeMirror's own history (Yjs' per-user
 * UndoManager replaces it), the Yjs binding, and a compartment for the language.
 */
import { defaultKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import {
  EditorView,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from '@codemirror/view';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { Language } from '../../shared/languages.js';
import { editorTheme } from './editor-theme.js';
import { languageSupport } from './language-support.js';
import { readOnlyExtension } from './read-only.js';
import { syntaxHighlight } from './syntax-highlight.js';

/** Everything needed to build the editor for one room. */
export interface EditorSetup {
  text: Y.Text;
  awareness: Awareness;
  undoManager: Y.UndoManager;
  language: Language;
  /** The compartment that holds the language; reconfigure it to switch highlighting. */
  languageCompartment: Compartment;
  /** The compartment that holds the lock (`readOnlyExtension`); reconfigure it when the lock changes. */
  readOnlyCompartment: Compartment;
  /** Whether the editor starts locked. */
  locked: boolean;
}

/** The editor's initial state: the current shared text with all extensions. */
export function createEditorState(setup: EditorSetup): EditorState {
  return EditorState.create({
    // The Yjs binding expects the editor to start with the Y.Text's content.
    doc: setup.text.toString(),
    extensions: editorExtensions(setup),
  });
}

function editorExtensions(setup: EditorSetup): Extension[] {
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    syntaxHighlighting(syntaxHighlight),
    bracketMatching(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    keymap.of([...yUndoManagerKeymap, ...defaultKeymap, ...searchKeymap, indentWithTab]),
    setup.languageCompartment.of(languageSupport(setup.language)),
    setup.readOnlyCompartment.of(readOnlyExtension(setup.locked)),
    yCollab(setup.text, setup.awareness, { undoManager: setup.undoManager }),
    editorTheme,
    EditorView.contentAttributes.of({ 'aria-label': 'Code editor' }),
  ];
}
