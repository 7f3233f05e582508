import type { ClickHouseClient } from '@clickhouse/client';
import { callKey, type LlmCall } from '../core/llm-call.ts';

/**
 * Keys per lookup query. They travel as a query parameter, in the URL: 100 keys are about 6 KB,
 * under the 16 KiB header limit of Node's HTTP server (the embedded ClickHouse's), which 500 pass.
 */
const KEYS_PER_QUERY = 100;

/** The main writer has not yet replayed the spool it started with: asked again after a backoff. */
export class SpoolNotReplayedError extends Error {
  constructor() {
    super('spooled batches from before the restart are not yet replayed');
    this.name = 'SpoolNotReplayedError';
  }
}

/**
 * A writer's `beforeInsert` for calls replayed from the write-ahead log: they may already be in
 * `table` (written before the crash, but the log was not yet cut), so the calls whose
 * (trace_id, span_id) is stored are dropped. Calls the previous process spooled are only in
 * the table once the main writer has replayed its spool: until `spoolReplayed()` says so, the
 * batch waits (a retryable error, so it is retried with backoff or spooled).
 */
export function skipStoredCalls(
  client: ClickHouseClient,
  table: string,
  spoolReplayed: () => boolean,
): (rows: LlmCall[]) => Promise<LlmCall[]> {
  return async (rows) => {
    if (rows.length === 0) return rows;
    if (!spoolReplayed()) throw new SpoolNotReplayedError();
    const stored = new Set<string>();
    for (let i = 0; i < rows.length; i += KEYS_PER_QUERY) {
      const part = rows.slice(i, i + KEYS_PER_QUERY);
      let from = Number.POSITIVE_INFINITY;
      let to = Number.NEGATIVE_INFINITY;
      for (const r of part) {
        from = Math.min(from, r.timestamp);
        to = Math.max(to, r.timestamp);
      }
      const rs = await client.query({
        query:
          `SELECT concat(trace_id, '-', span_id) AS k FROM ${table} ` +
          'WHERE timestamp >= fromUnixTimestamp64Milli({from:Int64}) ' +
          'AND timestamp <= fromUnixTimestamp64Milli({to:Int64}) ' +
          "AND has({keys:Array(String)}, concat(trace_id, '-', span_id))",
        query_params: { from, to, keys: part.map(callKey) },
        format: 'JSONEachRow',
      });
      for (const { k } of await rs.json<{ k: string }>()) stored.add(k);
    }
    return stored.size === 0 ? rows : rows.filter((r) => !stored.has(callKey(r)));
  };
}
