import type { Logger } from '../../core/logger.ts';

/** Default: at most one warning per reason every 10 s. */
export const DEFAULT_LOG_INTERVAL_MS = 10_000;

/** Logs a warning at most once per interval per reason; counts what it held back. */
export interface RateLimitedLog {
  /** Logs now if this reason was quiet for an interval, else only counts the occurrence. */
  warn(reason: string, fields: Record<string, unknown>, message: string): void;
}

/**
 * Bad input comes in floods (one misconfigured exporter retries every second); one line per
 * reason per interval, carrying how many were suppressed since the last, says the same thing
 * without burying the log. The metrics count every occurrence.
 */
export function createRateLimitedLog(
  logger: Logger,
  intervalMs = DEFAULT_LOG_INTERVAL_MS,
  now: () => number = Date.now,
): RateLimitedLog {
  const state = new Map<string, { last: number; suppressed: number }>();
  return {
    warn(reason, fields, message) {
      const t = now();
      const s = state.get(reason);
      if (s && t - s.last < intervalMs) {
        s.suppressed++;
        return;
      }
      logger.warn({ ...fields, reason, suppressed: s?.suppressed ?? 0 }, message);
      state.set(reason, { last: t, suppressed: 0 });
    },
  };
}
