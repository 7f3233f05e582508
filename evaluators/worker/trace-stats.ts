import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../core/logger.ts';
import { createRouteStats, type RouteStatsSource } from './route-stats.ts';

/** Learned LLM calls per trace of one route. */
export interface RouteTraceStats {
  /** 99th percentile of LLM calls per trace. */
  p99: number;
  /** Traces it was learned from. */
  n: number;
}

export type RouteTraceStatsSource = RouteStatsSource<RouteTraceStats>;

/** Distinct traces grouped at most per refresh; past it ClickHouse counts the traces it has (`group_by_overflow_mode: any`). */
const MAX_TRACES = 1_000_000;

/**
 * The `routeTraceStats` dependency of `tool_loop`, learned like `length_bounds`: the p99 of LLM
 * calls per trace and route over the last 24 hours of agent calls (those offered tools or making
 * tool calls), read with one query and cached, refreshed every `refreshMs`; a failed refresh keeps
 * the previous numbers. Memory of the query is bounded by grouping at most `MAX_TRACES` traces.
 */
export function createRouteTraceStats(opts: {
  client: ClickHouseClient;
  database: string;
  refreshMs: number;
  logger: Logger;
}): RouteTraceStatsSource {
  return createRouteStats({
    client: opts.client,
    refreshMs: opts.refreshMs,
    logger: opts.logger,
    what: 'calls-per-trace statistics',
    read: async (client) => {
      const rs = await client.query({
        query: `SELECT route, quantile(0.99)(calls) AS p99, count() AS n FROM (
        SELECT route, trace_id, count() AS calls
        FROM ${opts.database}.llm_calls
        WHERE timestamp >= now64(3) - INTERVAL 24 HOUR AND (tool_calls != '' OR tool_definitions != '')
        GROUP BY route, trace_id)
      GROUP BY route`,
        format: 'JSONEachRow',
        clickhouse_settings: {
          output_format_json_quote_64bit_integers: 0,
          max_rows_to_group_by: String(MAX_TRACES),
          group_by_overflow_mode: 'any',
        },
      });
      const next = new Map<string, RouteTraceStats>();
      for (const row of await rs.json<{ route: string; p99: number; n: number | string }>())
        next.set(row.route, { p99: Number(row.p99), n: Number(row.n) });
      return next;
    },
  });
}
