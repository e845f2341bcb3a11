import * as Y from 'yjs';
import type { Logger } from '../logger.js';
import type { StoredDocument } from '../storage/storage.js';
import { STORAGE_ORIGIN } from './origins.js';

/**
 * Applies a stored document to `doc` with the storage origin: the snapshot, then each later
 * update, skipping (and logging) any that fails to decode so one corrupt row cannot make a
 * session unloadable. Updates are applied one by one on purpose: `Y.mergeUpdates` grows
 * quadratically with their number (see docs/benchmarks.md).
 */
export function applyStored(doc: Y.Doc, stored: StoredDocument, logger: Logger, sessionId: string): void {
  applyLogged(doc, stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates, logger, sessionId);
}

/** Applies logged updates (or a snapshot and updates) to `doc` in order, as `applyStored` does. */
export function applyLogged(doc: Y.Doc, parts: readonly Uint8Array[], logger: Logger, sessionId: string): void {
  for (const [index, part] of parts.entries()) {
    try {
      Y.applyUpdate(doc, part, STORAGE_ORIGIN);
    } catch (error) {
      logger.error({ err: error, sessionId, index }, 'skipping a stored update that does not decode');
    }
  }
}
