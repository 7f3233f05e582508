import type { ClickHouseClient } from '@clickhouse/client';
import { counter } from '../../core/metrics.ts';

/** A row that can be matched against what is already stored. */
interface Keyed {
  timestamp: number;
  trace_id: string;
  span_id: string;
  evaluator?: string;
  evaluator_version?: string;
}

const dropped = counter({
  name: 'assay_scores_duplicates_dropped_total',
  help: 'Score or verdict rows not inserted because the same (call, evaluator, evaluator version) or verdict (call) is already stored',
  labelNames: ['table'],
});

/** Slack around the rows' call times when bounding the lookup (partition pruning, not exactness). */
const SLACK_MS = 1000;

/**
 * Makes a `beforeInsert` hook that drops rows whose key — (trace_id, span_id, evaluator,
 * evaluator_version) for scores, (trace_id, span_id) for verdicts — is already in `table`, and
 * duplicates inside the
 * batch itself. One query per batch, bounded by the rows' call times so it reads only their
 * partitions. This is what makes a job retried after a worker was killed between "rows
 * inserted" and "job completed" harmless: the second run's rows are dropped here, so neither
 * the table nor the rollups fed by its materialised view count them twice. (The writer's
 * insert dedup token covers the other case, a retried insert of the same batch.) The version is
 * part of a score's key so a re-evaluation with a new evaluator version (`assay evaluate`) adds
 * its rows beside the old ones, while a second run of the same version adds nothing.
 */
export function dropStoredDuplicates<T extends Keyed>(
  client: ClickHouseClient,
  table: string,
  name: string,
  withEvaluator: boolean,
): (rows: T[]) => Promise<T[]> {
  const keyOf = (r: StoredKey): string =>
    withEvaluator
      ? `${r.trace_id}|${r.span_id}|${r.evaluator ?? ''}|${r.evaluator_version ?? ''}`
      : `${r.trace_id}|${r.span_id}`;
  return async (rows) => {
    if (rows.length === 0) return rows;
    const seen = new Set<string>();
    for (const chunk of chunksByTrace(rows)) {
      for (const r of await storedKeys(client, table, chunk, withEvaluator)) seen.add(keyOf(r));
    }
    const out: T[] = [];
    for (const r of rows) {
      const k = keyOf(r);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
    }
    if (out.length < rows.length) dropped.inc({ table: name }, rows.length - out.length);
    return out;
  };
}

type StoredKey = { trace_id: string; span_id: string; evaluator?: string; evaluator_version?: string };

/** Trace ids per lookup at most: they travel in the URL, which servers cap at a few KB to 1 MB. */
const TRACES_PER_QUERY = 200;

function chunksByTrace<T extends Keyed>(rows: T[]): T[][] {
  const byTrace = new Map<string, T[]>();
  for (const r of rows) {
    const list = byTrace.get(r.trace_id);
    if (list) list.push(r);
    else byTrace.set(r.trace_id, [r]);
  }
  const groups = [...byTrace.values()];
  const chunks: T[][] = [];
  for (let i = 0; i < groups.length; i += TRACES_PER_QUERY)
    chunks.push(groups.slice(i, i + TRACES_PER_QUERY).flat());
  return chunks;
}

async function storedKeys<T extends Keyed>(
  client: ClickHouseClient,
  table: string,
  rows: T[],
  withEvaluator: boolean,
): Promise<StoredKey[]> {
  let lo = Infinity;
  let hi = -Infinity;
  const traces = new Set<string>();
  for (const r of rows) {
    lo = Math.min(lo, r.timestamp);
    hi = Math.max(hi, r.timestamp);
    traces.add(r.trace_id);
  }
  const columns = withEvaluator ? 'trace_id, span_id, evaluator, evaluator_version' : 'trace_id, span_id';
  const rs = await client.query({
    query: `SELECT DISTINCT ${columns} FROM ${table}
      WHERE timestamp >= fromUnixTimestamp64Milli({lo:Int64}) AND timestamp <= fromUnixTimestamp64Milli({hi:Int64})
        AND trace_id IN {traces:Array(String)}`,
    query_params: { lo: lo - SLACK_MS, hi: hi + SLACK_MS, traces: [...traces] },
    format: 'JSONEachRow',
  });
  return rs.json<StoredKey>();
}
