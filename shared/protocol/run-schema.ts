/**
 * The one schema of the run messages a client sends on `/yjs` (docs/protocol.md, "Run messages"):
 * the server validates every payload with it, and the types both sides use are inferred from it.
 * Kept apart from run-messages.ts so that the browser, which only builds these messages, imports
 * the types and not zod.
 */
import { z } from 'zod';
import { LANGUAGES } from '../languages.js';
import { MAX_RUN_OUTPUT, OUTPUT_STREAMS, RUNNER_ENDS } from '../runs.js';
import { MAX_CHUNKS_PER_MESSAGE } from './run-messages.js';

/** Longest duration a runner may report (a day), in milliseconds. */
export const MAX_RUN_DURATION_MS = 86_400_000;

/** A run's id, chosen by its author: 8 to 64 letters, digits, `-` or `_` (a UUID or random hex). */
const runId = z.string().regex(/^[\w-]{8,64}$/, 'must be 8 to 64 letters, digits, - or _');

/** Every message a client may send about its runs, told apart by `type`; unknown fields are refused. */
export const runClientMessage = z.discriminatedUnion('type', [
  /** Starts a run of code in `language`: the server records it as `running`. */
  z.strictObject({ type: z.literal('start'), id: runId, language: z.enum(LANGUAGES) }),
  /** Output of a running run, in the order it was printed. */
  z.strictObject({
    type: z.literal('output'),
    id: runId,
    chunks: z
      .array(z.strictObject({ stream: z.enum(OUTPUT_STREAMS), text: z.string().max(MAX_RUN_OUTPUT + 1) }))
      .min(1)
      .max(MAX_CHUNKS_PER_MESSAGE),
  }),
  /** The run ended with `status` after `durationMs`. */
  z.strictObject({ type: z.literal('finish'), id: runId, status: z.enum(RUNNER_ENDS), durationMs: z.number().nonnegative().max(MAX_RUN_DURATION_MS) }),
]);

/** A run message from a client. */
export type RunClientMessage = z.infer<typeof runClientMessage>;
