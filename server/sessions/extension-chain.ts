import type * as Y from 'yjs';
import type { Logger } from '../logger.js';
import type { StoredUpdate } from '../storage/storage.js';
import type { LiveSession, Participant, SessionListener } from './live-session.js';
import type { AwarenessChange, SessionExtension } from './session-extension.js';

/** The hooks that take a live session, by name. */
type SessionHook = 'afterLoad' | 'onUpdate' | 'logUpdate' | 'onAwareness' | 'onParticipants' | 'afterStore' | 'beforeUnload' | 'afterUnload';

/**
 * Calls a hub's extensions, in the order they were given, one hook at a time. Each hook's
 * implementers are listed once at construction, so the keystroke path loops over exactly those
 * (usually two or three) and nothing else. A hook that throws is logged and the rest still run:
 * one feature's bug must not stop an edit from being stored or relayed.
 */
export class ExtensionChain implements SessionListener {
  private readonly loaders: SessionExtension[];
  private readonly updates: SessionExtension[];
  private readonly loggers: SessionExtension[];
  private readonly unstoredReaders: SessionExtension[];
  private readonly awarenesses: SessionExtension[];
  private readonly participantHooks: SessionExtension[];
  private readonly storeHooks: SessionExtension[];
  private readonly unloadHooks: SessionExtension[];
  private readonly afterUnloadHooks: SessionExtension[];
  private readonly counters: SessionExtension[];
  private readonly shutdownHooks: SessionExtension[];
  private readonly writeHooks: SessionExtension[];

  constructor(
    readonly extensions: readonly SessionExtension[],
    private readonly logger: Logger,
  ) {
    const having = (hook: keyof SessionExtension): SessionExtension[] => extensions.filter((extension) => extension[hook] !== undefined);
    this.loaders = having('afterLoad');
    this.updates = having('onUpdate');
    this.loggers = having('logUpdate');
    this.unstoredReaders = having('unstored');
    this.awarenesses = having('onAwareness');
    this.participantHooks = having('onParticipants');
    this.storeHooks = having('afterStore');
    this.unloadHooks = having('beforeUnload');
    this.afterUnloadHooks = having('afterUnload');
    this.counters = having('countParticipants');
    this.shutdownHooks = having('beforeShutdown');
    this.writeHooks = having('onStorageWrite');
  }

  /** Runs every `afterLoad` in order, waiting for each; the first rejection fails the load. */
  async afterLoad(live: LiveSession): Promise<void> {
    for (const extension of this.loaders) await extension.afterLoad!(live);
  }

  update(live: LiveSession, update: Uint8Array, origin: unknown, transaction: Y.Transaction): void {
    for (const extension of this.updates) {
      try {
        extension.onUpdate!(live, update, origin, transaction);
      } catch (error) {
        this.failed(extension, 'onUpdate', live, error);
      }
    }
  }

  /** Whether an extension took the update to log it (the first that does); false: nobody did. */
  log(live: LiveSession, entry: StoredUpdate): boolean {
    for (const extension of this.loggers) {
      try {
        if (extension.logUpdate!(live, entry)) return true;
      } catch (error) {
        this.failed(extension, 'logUpdate', live, error);
      }
    }
    return false;
  }

  /** Every extension's updates of the session that storage may not hold yet. */
  async unstored(sessionId: string): Promise<StoredUpdate[]> {
    if (this.unstoredReaders.length === 0) return [];
    const found = await Promise.all(this.unstoredReaders.map((extension) => extension.unstored!(sessionId)));
    return found.flat();
  }

  awareness(live: LiveSession, change: AwarenessChange, origin: unknown): void {
    for (const extension of this.awarenesses) {
      try {
        extension.onAwareness!(live, change, origin);
      } catch (error) {
        this.failed(extension, 'onAwareness', live, error);
      }
    }
  }

  /** A participant joined or left. */
  participants(live: LiveSession, participant: Participant, joined: boolean): void {
    this.each(this.participantHooks, 'onParticipants', live, (extension) => extension.onParticipants!(live, participant, joined));
  }

  stored(live: LiveSession, lastSeq: number): void {
    this.each(this.storeHooks, 'afterStore', live, (extension) => extension.afterStore!(live, lastSeq));
  }

  beforeUnload(live: LiveSession): void {
    this.each(this.unloadHooks, 'beforeUnload', live, (extension) => extension.beforeUnload!(live));
  }

  afterUnload(live: LiveSession): void {
    this.each(this.afterUnloadHooks, 'afterUnload', live, (extension) => extension.afterUnload!(live));
  }

  /** Runs every `beforeShutdown` at once; one that fails is logged, the others still finish. */
  async beforeShutdown(): Promise<void> {
    const results = await Promise.allSettled(this.shutdownHooks.map((extension) => extension.beforeShutdown!()));
    results.forEach((result, i) => {
      if (result.status === 'rejected') this.logger.error({ err: result.reason, extension: this.shutdownHooks[i]!.name, hook: 'beforeShutdown' }, 'session extension failed');
    });
  }

  /** The session's participants over every instance: the first extension that counts decides. */
  async countParticipants(sessionId: string, local: number): Promise<number> {
    const counter = this.counters[0];
    return counter ? counter.countParticipants!(sessionId, local) : local;
  }

  storageWrite(seconds: number, ok: boolean): void {
    for (const extension of this.writeHooks) extension.onStorageWrite!(seconds, ok);
  }

  /** Calls `call` for each of `extensions`, logging (not throwing) what fails. Off the keystroke path. */
  private each(extensions: SessionExtension[], hook: SessionHook, live: LiveSession, call: (extension: SessionExtension) => void): void {
    for (const extension of extensions) {
      try {
        call(extension);
      } catch (error) {
        this.failed(extension, hook, live, error);
      }
    }
  }

  private failed(extension: SessionExtension, hook: SessionHook, live: LiveSession, error: unknown): void {
    this.logger.error({ err: error, sessionId: live.id, extension: extension.name, hook }, 'session extension failed');
  }
}
