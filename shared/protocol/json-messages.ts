import type { Language } from '../languages.js';
import type { Role } from '../roles.js';
import type { ErrorCode } from './errors.js';

/**
 * The seed's JSON protocol on `/ws`, extended with `version` (three-way merges), `codeAck`,
 * `languageUpdate` and `error`. See docs/protocol.md for the full description.
 */

/** Client → server: join a session; must be the first message. */
export interface JoinMessage {
  type: 'join';
  sessionId: string;
  /** Optional display name (not used for counting). */
  name?: string;
  /** Access token (see docs/access-api.md); or, instead, `password` / `ownerSecret`. */
  token?: string;
  password?: string;
  ownerSecret?: string;
}

/** Client → server: the client's whole code after an edit. */
export interface CodeChangeMessage {
  type: 'codeChange';
  code: string;
  /** The `version` this code was based on; without it the server uses what it last told this client. */
  version?: number;
}

/** Client → server: switch the session's language. */
export interface LanguageChangeMessage {
  type: 'languageChange';
  language: Language;
}

/** Every message a client may send on `/ws`. */
export type JsonClientMessage = JoinMessage | CodeChangeMessage | LanguageChangeMessage;

/** Server → client: answer to `join`. */
export interface InitMessage {
  type: 'init';
  sessionId: string;
  code: string;
  language: Language;
  participants: number;
  version: number;
  /** This client's role: `interviewer` or `candidate`. */
  role: Role;
  /** Whether the interviewer has locked the editor for candidates. */
  readOnly: boolean;
}

/** Server → client: the session's lock changed. */
export interface AccessMessage {
  type: 'access';
  readOnly: boolean;
}

/** Server → client: the code changed through someone else (coalesced under bursts). */
export interface CodeUpdateMessage {
  type: 'codeUpdate';
  code: string;
  version: number;
}

/** Server → sender of a `codeChange`: the version the change produced. */
export interface CodeAckMessage {
  type: 'codeAck';
  version: number;
}

/** Server → client: the session's language changed. */
export interface LanguageUpdateMessage {
  type: 'languageUpdate';
  language: Language;
}

/** Server → client: the participant count changed (either protocol). */
export interface ParticipantsMessage {
  type: 'participants';
  count: number;
}

/** Server → client: the last message was refused; nothing changed. */
export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
}

/** Every message the server may send on `/ws`. */
export type JsonServerMessage =
  | InitMessage
  | CodeUpdateMessage
  | CodeAckMessage
  | LanguageUpdateMessage
  | ParticipantsMessage
  | AccessMessage
  | ErrorMessage;
