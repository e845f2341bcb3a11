import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger: one JSON object per line on stdout, never code or secrets. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'interview-room' } });
}
