import type { ClickHouseClient } from '@clickhouse/client';

/** The stored call a score belongs to: its time and the dimensions the score row copies. */
export interface CallDims {
  trace_id: string;
  span_id: string;
  /** The call's start, ms since the epoch. */
  timestamp: number;
  service: string;
  provider: string;
  model: string;
  route: string;
  /** The agent that made the call ('' when none), for the agent rollups (migration 0008). */
  agent_name: string;
}

type CallRow = Omit<CallDims, 'timestamp'> & { ts: string | number };

const callOf = (r: CallRow): CallDims => ({
  trace_id: r.trace_id,
  span_id: r.span_id,
  timestamp: Number(r.ts),
  service: r.service,
  provider: r.provider,
  model: r.model,
  route: r.route,
  agent_name: r.agent_name,
});

/** Trace ids per query at most: they travel in the URL, which servers cap at a few KB to 1 MB. */
export const TRACES_PER_QUERY = 200;

/**
 * Finds the calls of `traces` in `llm_calls` (one query per 200 traces; the table's bloom filter
 * on `trace_id` skips most granules). Returns them by `trace-span` key and, per trace, its last
 * call (latest start; the higher span id on a tie) for scores that name only a trace.
 */
export async function lookupCalls(
  client: ClickHouseClient,
  database: string,
  traces: Iterable<string>,
): Promise<{ bySpan: Map<string, CallDims>; lastOfTrace: Map<string, CallDims> }> {
  const bySpan = new Map<string, CallDims>();
  const lastOfTrace = new Map<string, CallDims>();
  const all = [...new Set(traces)];
  for (let i = 0; i < all.length; i += TRACES_PER_QUERY) {
    const rs = await client.query({
      query: `SELECT trace_id, span_id, toUnixTimestamp64Milli(timestamp) AS ts, service, provider, model, route, agent_name
        FROM ${database}.llm_calls WHERE trace_id IN {traces:Array(String)}`,
      query_params: { traces: all.slice(i, i + TRACES_PER_QUERY) },
      format: 'JSONEachRow',
    });
    for (const r of await rs.json<CallRow>()) {
      const call = callOf(r);
      bySpan.set(`${call.trace_id}-${call.span_id}`, call);
      const last = lastOfTrace.get(call.trace_id);
      if (
        !last ||
        call.timestamp > last.timestamp ||
        (call.timestamp === last.timestamp && call.span_id > last.span_id)
      )
        lastOfTrace.set(call.trace_id, call);
    }
  }
  return { bySpan, lastOfTrace };
}

/**
 * Finds the calls that answered with these provider response ids (`llm_calls.response_id`,
 * migration 0012; its bloom filter skips most granules), one query per 200 ids. Two calls with one
 * id (an export retried under new span ids) resolve to the later.
 */
export async function lookupCallsByResponse(
  client: ClickHouseClient,
  database: string,
  responseIds: Iterable<string>,
): Promise<Map<string, CallDims>> {
  const byResponse = new Map<string, CallDims>();
  const all = [...new Set(responseIds)].filter(Boolean);
  for (let i = 0; i < all.length; i += TRACES_PER_QUERY) {
    const rs = await client.query({
      query: `SELECT response_id, trace_id, span_id, toUnixTimestamp64Milli(timestamp) AS ts, service, provider, model, route, agent_name
        FROM ${database}.llm_calls WHERE response_id IN {ids:Array(String)}`,
      query_params: { ids: all.slice(i, i + TRACES_PER_QUERY) },
      format: 'JSONEachRow',
    });
    for (const r of await rs.json<CallRow & { response_id: string }>()) {
      const call = callOf(r);
      const seen = byResponse.get(r.response_id);
      if (!seen || call.timestamp > seen.timestamp) byResponse.set(r.response_id, call);
    }
  }
  return byResponse;
}
