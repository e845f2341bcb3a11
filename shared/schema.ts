/**
 * Names of the top-level shared types in a session's Y.Doc. Every client (Yjs or JSON adapter)
 * reads and writes the session through exactly these names.
 */

/** `doc.getText(CODE_TEXT)` holds the session's code. */
export const CODE_TEXT = 'code';

/** `doc.getMap(META_MAP)` holds session settings shared by all participants. */
export const META_MAP = 'meta';

/** Key of the session's language (a `Language`) in the meta map. */
export const LANGUAGE_KEY = 'language';

/**
 * Key of the read-only lock (boolean) in the meta map: true while the interviewer has locked the
 * editor for candidates; absent or false otherwise (it is only written once a session is first
 * locked). Written by the server only; the server enforces it, editors show it.
 */
export const READ_ONLY_KEY = 'readOnly';
