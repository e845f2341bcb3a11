import * as Y from 'yjs';
import { cleanName } from '../../shared/display-names.js';
import { ErrorCode } from '../../shared/protocol/errors.js';
import type { RunClientMessage } from '../../shared/protocol/run-messages.js';
import { MAX_RUNS, MAX_RUN_OUTPUT, OUTPUT_CUT_NOTICE, RUNS_ARRAY, type RunOutput, type RunStatus } from '../../shared/runs.js';
import { RatePolicy } from '../limits/token-bucket.js';
import type { Attachment, LiveSession, Participant } from '../sessions/live-session.js';
import { SERVER_ORIGIN } from '../sessions/origins.js';
import type { SessionExtension } from '../sessions/session-extension.js';
import { SessionError } from '../sessions/session-error.js';

/** A participant that can author runs: a Yjs connection, which may have an awareness state. */
export interface RunAuthor extends Participant {
  /** The awareness client id the connection speaks for; null until it has set a state. */
  readonly awarenessId: number | null;
}

/** How much running one connection may do. */
export interface RunLimits {
  /** Run starts: one token each. */
  starts: RatePolicy;
  /** Output: one token per UTF-8 byte of text. Past it, the run is cut with a notice. */
  outputBytes: RatePolicy;
  /** Runs of one connection going at once. */
  maxGoing: number;
}

/**
 * Ten runs at once, then one every two seconds; 32 KiB of output a second with 256 KiB at once
 * (a run's whole output, `MAX_RUN_OUTPUT`, fits); two runs at a time (a new run may start while
 * the previous one's end is on its way).
 */
export const DEFAULT_RUN_LIMITS: RunLimits = {
  starts: new RatePolicy(0.5, 10),
  outputBytes: new RatePolicy(32 * 1024, 256 * 1024),
  maxGoing: 2,
};

/** Options of a RunRecorder. */
export interface RunRecorderOptions {
  limits?: RunLimits;
  /**
   * Whether a run still `running` in a document being loaded is marked `interrupted`: true when
   * this is the only instance (whoever ran it is gone); false when other instances share the
   * sessions, since the run's author may be connected to one of them.
   */
  interruptOnLoad: boolean;
  now?: () => number;
}

/** A run going on, as its recorder extends it. */
interface GoingRun {
  author: RunAuthor;
  record: Y.Map<unknown>;
  output: Y.Array<RunOutput>;
  startedAt: number;
  /** Output characters recorded so far (UTF-16 code units, as `MAX_RUN_OUTPUT` counts). */
  used: number;
  truncated: boolean;
}

/** What one session's recorder keeps, as an attachment of the live session (released with it). */
class SessionRuns implements Attachment {
  /** Runs started on this instance and not finished, by id. */
  readonly going = new Map<string, GoingRun>();
  /** Each author's buckets under the limits, while it is connected. */
  readonly budgets = new Map<Participant, { starts: number; bytes: number }>();

  destroy(): void {
    this.going.clear();
    this.budgets.clear();
  }
}

const ATTACHMENT = 'runs';

/** The notice a run's output ends with when its author printed faster than its output limit. */
const RATE_CUT_NOTICE = '\n[output cut: printed faster than the server records; the rest was discarded]\n';

/**
 * Records runs in the session's document (`RUNS_ARRAY`, shared/runs.ts) from their authors' run
 * messages, as the server: participants cannot write runs themselves (update-scope.ts refuses
 * it), so each run carries what the server knows of its author and is changed only by the
 * connection that started it, until it ends. A session extension, so that a run is interrupted
 * when its author leaves:
 *
 *   start ──► running ──output*──► finish ──► ok | error | timeout | stopped   (immutable from here)
 *                 └─── author's connection closes ──► interrupted
 *
 * The server stamps `by` (the name in the author's own awareness state, cut to 40 characters,
 * else "Someone"), `role` (its granted role), `clientId` (its awareness id) and `startedAt`
 * (server time); keeps the last `MAX_RUNS` runs; cuts output past `MAX_RUN_OUTPUT` with the same
 * notice a runner sees; and rate-limits starts and output bytes per connection (`RunLimits`).
 * Writes use the server's origin, so they are stored, relayed to every Yjs participant (the
 * author too) and to other instances like any update.
 */
export class RunRecorder implements SessionExtension {
  readonly name = 'run-recorder';
  private readonly limits: RunLimits;
  private readonly now: () => number;

  constructor(private readonly options: RunRecorderOptions) {
    this.limits = options.limits ?? DEFAULT_RUN_LIMITS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Applies `message` from `author` to `live`'s runs; the refusal when it may not (nothing
   * changed). The caller has judged it as a write already (access, lock, sizes).
   */
  receive(live: LiveSession, author: RunAuthor, message: RunClientMessage): SessionError | null {
    const runs = live.attachment(ATTACHMENT, () => new SessionRuns());
    if (message.type === 'start') return this.start(live, runs, author, message.id, message.language);
    const run = runs.going.get(message.id);
    if (!run) {
      const exists = readRecords(live).some((record) => record.get('id') === message.id);
      return exists
        ? new SessionError(ErrorCode.Forbidden, `run ${message.id} has ended; a finished run cannot change`)
        : new SessionError(ErrorCode.NotFound, `no run ${message.id} is going on`);
    }
    if (run.author !== author) return new SessionError(ErrorCode.Forbidden, `run ${message.id} is someone else's; only its author's connection may change it`);
    if (message.type === 'output') return this.output(live, runs, run, message.chunks);
    live.doc.transact(() => {
      if (run.truncated) run.record.set('truncated', true);
      run.record.set('durationMs', Math.round(message.durationMs));
      run.record.set('status', message.status);
    }, SERVER_ORIGIN);
    runs.going.delete(message.id);
    return null;
  }

  /** Marks the runs still `running` in a freshly loaded document as interrupted (see `interruptOnLoad`). */
  afterLoad(live: LiveSession): void {
    if (!this.options.interruptOnLoad) return;
    const left = readRecords(live).filter((record) => record.get('status') === ('running' satisfies RunStatus));
    if (left.length === 0) return;
    live.doc.transact(() => {
      for (const record of left) record.set('status', 'interrupted' satisfies RunStatus);
    }, SERVER_ORIGIN);
  }

  /** A participant left: its runs still going are interrupted, and its budgets forgotten. */
  onParticipants(live: LiveSession, participant: Participant, joined: boolean): void {
    const runs = live.attached<SessionRuns>(ATTACHMENT);
    if (joined || !runs) return;
    runs.budgets.delete(participant);
    const now = this.now();
    for (const [id, run] of runs.going) {
      if (run.author !== participant) continue;
      runs.going.delete(id);
      live.doc.transact(() => {
        run.record.set('durationMs', Math.max(0, now - run.startedAt));
        run.record.set('status', 'interrupted' satisfies RunStatus);
      }, SERVER_ORIGIN);
    }
  }

  private start(live: LiveSession, runs: SessionRuns, author: RunAuthor, id: string, language: string): SessionError | null {
    const records = readRecords(live);
    if (runs.going.has(id) || records.some((record) => record.get('id') === id)) {
      return new SessionError(ErrorCode.Forbidden, `run id ${id} is taken; start the run with a new id`);
    }
    let going = 0;
    for (const run of runs.going.values()) if (run.author === author) going++;
    if (going >= this.limits.maxGoing) return new SessionError(ErrorCode.RateLimited, `${going} of your runs are still going; finish one first`);
    const budget = this.budgetOf(runs, author);
    const starts = this.limits.starts.take(budget.starts);
    if (starts < 0) return new SessionError(ErrorCode.RateLimited, 'too many runs started; wait a little before the next one');
    budget.starts = starts;

    const state = author.awarenessId === null ? undefined : live.awareness.getStates().get(author.awarenessId);
    const name = (state as { user?: { name?: unknown } } | undefined)?.user?.name;
    const record = new Y.Map<unknown>();
    const output = new Y.Array<RunOutput>();
    const startedAt = this.now();
    const array = live.doc.getArray<unknown>(RUNS_ARRAY);
    live.doc.transact(() => {
      // Keeps the last MAX_RUNS runs including this one; a run going on among them ends here.
      const excess = array.length + 1 - MAX_RUNS;
      if (excess > 0) {
        for (const old of array.slice(0, excess)) if (old instanceof Y.Map) runs.going.delete(String(old.get('id')));
        array.delete(0, excess);
      }
      record.set('id', id);
      record.set('by', cleanName(name, 'Someone'));
      record.set('role', author.role);
      if (author.awarenessId !== null) record.set('clientId', author.awarenessId);
      record.set('language', language);
      record.set('startedAt', startedAt);
      record.set('status', 'running' satisfies RunStatus);
      record.set('truncated', false);
      record.set('output', output);
      array.push([record]);
    }, SERVER_ORIGIN);
    runs.going.set(id, { author, record, output, startedAt, used: 0, truncated: false });
    return null;
  }

  /** Appends output, cut at `MAX_RUN_OUTPUT` or when the author's output budget runs out. */
  private output(live: LiveSession, runs: SessionRuns, run: GoingRun, chunks: readonly RunOutput[]): null {
    // Past the cut, output is dropped: the runner may not have heard of the cut yet.
    if (run.truncated) return null;
    const budget = this.budgetOf(runs, run.author);
    const bytes = this.limits.outputBytes.take(budget.bytes, chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.text), 0));
    const kept: RunOutput[] = [];
    if (bytes < 0) {
      run.truncated = true;
      kept.push({ stream: 'system', text: RATE_CUT_NOTICE });
    } else {
      budget.bytes = bytes;
      for (const chunk of chunks) {
        const room = MAX_RUN_OUTPUT - run.used;
        const text = chunk.text.length > room ? chunk.text.slice(0, room) : chunk.text;
        run.used += text.length;
        if (text) pushChunk(kept, chunk.stream, text);
        if (chunk.text.length > room) {
          run.truncated = true;
          kept.push({ stream: 'system', text: OUTPUT_CUT_NOTICE });
          break;
        }
      }
    }
    if (kept.length === 0) return null;
    live.doc.transact(() => {
      if (run.truncated) run.record.set('truncated', true);
      run.output.push(kept);
    }, SERVER_ORIGIN);
    return null;
  }

  private budgetOf(runs: SessionRuns, author: Participant): { starts: number; bytes: number } {
    let budget = runs.budgets.get(author);
    if (!budget) runs.budgets.set(author, (budget = { starts: RatePolicy.FULL, bytes: RatePolicy.FULL }));
    return budget;
  }
}

/** The session's run records (maps; anything else in the array is skipped). */
function readRecords(live: LiveSession): Y.Map<unknown>[] {
  return live.doc
    .getArray<unknown>(RUNS_ARRAY)
    .toArray()
    .filter((entry): entry is Y.Map<unknown> => entry instanceof Y.Map);
}

/** Appends `text` to `chunks`, joined to the last chunk when it is of the same stream. */
function pushChunk(chunks: RunOutput[], stream: RunOutput['stream'], text: string): void {
  const last = chunks[chunks.length - 1];
  if (last && last.stream === stream) last.text += text;
  else chunks.push({ stream, text });
}
