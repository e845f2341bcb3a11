/** The editor's lock: what a candidate's editor holds while the interviewer has made the session read-only. */
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';

/**
 * The extensions of a locked (or unlocked) editor, for the read-only compartment. Locked means no
 * typing, pasting or undo (`readOnly`) and no caret (`editable`), while remote changes still apply:
 * the server refuses a locked candidate's edits anyway, this only keeps the UI honest.
 */
export function readOnlyExtension(locked: boolean): Extension {
  return locked ? [EditorState.readOnly.of(true), EditorView.editable.of(false)] : [];
}
