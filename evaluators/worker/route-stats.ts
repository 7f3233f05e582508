import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../core/logger.ts';

/** Per-route statistics learned from stored calls, read from a cache that a timer refreshes. */
export interface RouteStatsSource<T> {
  /** Last known stats of a route, or null when it has no history yet. Never waits. */
  get(route: string): T | null;
  /** Re-reads the stats now (also done by the timer). */
  refresh(): Promise<void>;
  /** Settles when the first read has (its numbers are in `get`, or it failed and was warned of). */
  ready: Promise<void>;
  shutdown(): void;
}

/**
 * Runs `read` now and every `refreshMs`, keeping its last answer for checks that run per call and
 * must not wait; a failed refresh keeps the previous numbers and warns at most every 10 minutes.
 */
export function createRouteStats<T>(opts: {
  client: ClickHouseClient;
  refreshMs: number;
  logger: Logger;
  /** What is refreshed, for the warning (`answer-length statistics`). */
  what: string;
  read: (client: ClickHouseClient) => Promise<Map<string, T>>;
}): RouteStatsSource<T> {
  let stats = new Map<string, T>();
  let lastWarn = 0;
  const refresh = async (): Promise<void> => {
    try {
      stats = await opts.read(opts.client);
    } catch (err) {
      if (Date.now() - lastWarn > 600_000) {
        lastWarn = Date.now();
        opts.logger.warn({ err }, `${opts.what} could not be refreshed; keeping the previous ones`);
      }
    }
  };
  const ready = refresh();
  const timer = setInterval(() => void refresh(), opts.refreshMs);
  timer.unref();
  return {
    get: (route) => stats.get(route) ?? null,
    refresh,
    ready,
    shutdown: () => clearInterval(timer),
  };
}
