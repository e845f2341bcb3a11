import { runClientMessage, type RunClientMessage } from '../../shared/protocol/run-schema.js';

/**
 * Validates the JSON payload of a run frame against the shared schema: the message, or a sentence
 * naming the first problem (`run message output.chunks.0.stream: ...`). Never throws.
 */
export function parseRunMessage(payload: unknown): RunClientMessage | string {
  const parsed = runClientMessage.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const type = (payload as { type?: unknown } | null)?.type;
  const known = type === 'start' || type === 'output' || type === 'finish';
  const where = [known ? type : 'run message', ...issue.path.map(String)].join('.');
  return `${where}: ${issue.message}`;
}
