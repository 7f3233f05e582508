import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../core/logger.ts';
import { createRouteStats, type RouteStatsSource } from './route-stats.ts';

/** Learned answer-length quantiles of one route (characters). */
export interface RouteLengthStats {
  p01: number;
  p99: number;
  n: number;
}

export type RouteLengthStatsSource = RouteStatsSource<RouteLengthStats>;

/**
 * The `routeLengthStats` dependency of the `length_bounds` check: quantiles of the answer length
 * per route over the last 24 hours of successful calls, read with one query and cached, refreshed
 * every `refreshMs`. The check runs per call and must not wait, so it reads the cache; a failed
 * refresh keeps the previous numbers.
 */
export function createRouteLengthStats(opts: {
  client: ClickHouseClient;
  database: string;
  refreshMs: number;
  logger: Logger;
}): RouteLengthStatsSource {
  return createRouteStats({
    client: opts.client,
    refreshMs: opts.refreshMs,
    logger: opts.logger,
    what: 'answer-length statistics',
    read: async (client) => {
      const rs = await client.query({
        query: `SELECT route, quantiles(0.01, 0.99)(lengthUTF8(response)) AS q, count() AS n
      FROM ${opts.database}.llm_calls
      WHERE timestamp >= now64(3) - INTERVAL 24 HOUR AND status = 'ok'
      GROUP BY route`,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      });
      const next = new Map<string, RouteLengthStats>();
      for (const row of await rs.json<{ route: string; q: number[]; n: number | string }>()) {
        next.set(row.route, { p01: row.q[0] ?? 0, p99: row.q[1] ?? 0, n: Number(row.n) });
      }
      return next;
    },
  });
}
