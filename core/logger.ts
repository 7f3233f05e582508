import { pino, type Logger } from 'pino';

export type { Logger };

/** The process logger: JSON lines on stderr (stdout stays free for command output). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'assay' } }, pino.destination(2));
}

/** A logger that drops everything: the default in tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
