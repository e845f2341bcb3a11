import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger: one JSON object per line on stdout, never code or secrets. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'interview-room' } });
}

/** What a connection logs with: an object of fields and a message. */
export interface ConnectionLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * A logger for one connection whose pino child is made on its first line. A child costs about
 * half a KiB (its own prototype, hidden class and serialized bindings) and most connections
 * never log, so thousands of idle participants would otherwise pay for loggers they never use.
 */
export class LazyChildLogger implements ConnectionLogger {
  private child: Logger | undefined;

  /** `conn` numbers the connection; `sessionId` is empty when not known at accept time (/ws). */
  constructor(
    private readonly parent: Logger,
    private readonly conn: number,
    private readonly path: string,
    private readonly sessionId: string,
  ) {}

  warn(fields: object, message: string): void {
    this.logger().warn(fields, message);
  }

  error(fields: object, message: string): void {
    this.logger().error(fields, message);
  }

  private logger(): Logger {
    if (!this.child) {
      const bindings = { conn: this.conn, path: this.path };
      this.child = this.parent.child(this.sessionId ? { ...bindings, sessionId: this.sessionId } : bindings);
    }
    return this.child;
  }
}
