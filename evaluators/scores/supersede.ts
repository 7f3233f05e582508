import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { counter } from '../../core/metrics.ts';
import type { ScoreRow } from './rows.ts';

/** A row of `llm_scores_superseded` (migration 0009): a score replaced by a newer version's. */
export interface SupersededRow {
  timestamp: number;
  trace_id: string;
  span_id: string;
  service: string;
  provider: string;
  model: string;
  route: string;
  agent_name: string;
  tool: string;
  evaluator: string;
  evaluator_version: string;
  kind: string;
  score: number;
  outcome: string;
  sample_weight: number;
  superseded_by: string;
  superseded_at: number;
}

const superseded = counter({
  name: 'assay_scores_superseded_total',
  help: 'Score rows replaced in the rollups by a newer version of their evaluator for the same call (assay evaluate)',
});

/** Slack around the rows' call times when bounding the lookups (partition pruning only). */
const SLACK_MS = 1000;
const TRACES_PER_QUERY = 200;

type Stored = Omit<SupersededRow, 'superseded_by' | 'superseded_at'> & { scored_at: number };

const keyOf = (r: { trace_id: string; span_id: string; evaluator: string }) =>
  `${r.trace_id}|${r.span_id}|${r.evaluator}`;

/**
 * Makes the step the score writer runs before each insert so the rollups hold the newest version
 * of each (call, evaluator): for every key of the batch with rows of two or more versions (stored
 * or in the batch), each row but the most recently scored one must have a copy in
 * `llm_scores_superseded`, whose views subtract it from the rollups. Copies already there are
 * not inserted again, so a retried batch, or one whose rows were all dropped as duplicates after
 * a crash between the two inserts, converges to one copy per replaced row.
 */
export function supersedeOlderVersions(
  client: ClickHouseClient,
  database: string,
): (rows: readonly ScoreRow[]) => Promise<void> {
  return async (rows) => {
    const own = rows.filter((r) => r.kind === 'check' || r.kind === 'judge');
    if (own.length === 0) return;
    const traces = [...new Set(own.map((r) => r.trace_id))];
    for (let i = 0; i < traces.length; i += TRACES_PER_QUERY) {
      const chunk = new Set(traces.slice(i, i + TRACES_PER_QUERY));
      await supersedeChunk(
        client,
        database,
        own.filter((r) => chunk.has(r.trace_id)),
      );
    }
  };
}

async function supersedeChunk(client: ClickHouseClient, db: string, rows: ScoreRow[]): Promise<void> {
  const bounds = boundsOf(rows);
  // Aliases differ from column names: an alias `timestamp` would replace the column in WHERE.
  const stored = await query<
    Omit<Stored, 'timestamp' | 'scored_at'> & { call_ms: string; scored_ms: string }
  >(
    client,
    `SELECT toUnixTimestamp64Milli(any(timestamp)) AS call_ms, trace_id, span_id, any(service) AS service,
        any(provider) AS provider, any(model) AS model, any(route) AS route, any(agent_name) AS agent_name,
        any(tool) AS tool, evaluator, evaluator_version, kind, argMax(score, scored_at) AS score,
        argMax(outcome, scored_at) AS outcome, argMax(sample_weight, scored_at) AS sample_weight,
        toUnixTimestamp64Milli(max(scored_at)) AS scored_ms
      FROM ${db}.llm_scores
      WHERE ${WINDOW} AND kind IN ('check', 'judge') AND source = ''
      GROUP BY trace_id, span_id, evaluator, evaluator_version, kind`,
    bounds,
  );
  const versions = new Map<string, Map<string, Stored>>();
  const put = (r: Stored) => {
    const k = keyOf(r);
    const byVersion = versions.get(k) ?? new Map<string, Stored>();
    const prev = byVersion.get(r.evaluator_version);
    if (!prev || r.scored_at > prev.scored_at) byVersion.set(r.evaluator_version, r);
    versions.set(k, byVersion);
  };
  for (const r of stored)
    put(storedOf({ ...r, timestamp: Number(r.call_ms), scored_at: Number(r.scored_ms) }));
  for (const r of rows) put(storedOf(r));
  const due: SupersededRow[] = [];
  for (const byVersion of versions.values()) {
    if (byVersion.size < 2) continue;
    const all = [...byVersion.values()].sort((a, b) => a.scored_at - b.scored_at);
    const newest = all.at(-1) as Stored;
    for (const old of all.slice(0, -1)) {
      const { scored_at: _scoredAt, ...copy } = old;
      due.push({ ...copy, superseded_by: newest.evaluator_version, superseded_at: newest.scored_at });
    }
  }
  if (due.length === 0) return;
  const have = new Set(
    (
      await query<{ trace_id: string; span_id: string; evaluator: string; evaluator_version: string }>(
        client,
        `SELECT DISTINCT trace_id, span_id, evaluator, evaluator_version FROM ${db}.llm_scores_superseded
          WHERE ${WINDOW}`,
        bounds,
      )
    ).map((r) => `${keyOf(r)}|${r.evaluator_version}`),
  );
  const fresh = due.filter((r) => !have.has(`${keyOf(r)}|${r.evaluator_version}`));
  if (fresh.length === 0) return;
  // The same copies inserted twice (a retried insert, two workers racing on one job) share the
  // token, so ClickHouse keeps one insert.
  const token = createHash('sha256')
    .update(
      fresh
        .map((r) => `${keyOf(r)}|${r.evaluator_version}`)
        .sort()
        .join('\n'),
    )
    .digest('hex');
  await client.insert({
    table: `${db}.llm_scores_superseded`,
    values: fresh,
    format: 'JSONEachRow',
    clickhouse_settings: { insert_deduplicate: 1, insert_deduplication_token: token },
  });
  superseded.inc(fresh.length);
}

/** The columns a copy keeps (and only those: the insert names no other column). */
const storedOf = (
  r: Omit<Stored, 'agent_name' | 'tool'> & { agent_name?: string; tool?: string },
): Stored => ({
  timestamp: r.timestamp,
  trace_id: r.trace_id,
  span_id: r.span_id,
  service: r.service,
  provider: r.provider,
  model: r.model,
  route: r.route,
  agent_name: r.agent_name ?? '',
  tool: r.tool ?? '',
  evaluator: r.evaluator,
  evaluator_version: r.evaluator_version,
  kind: r.kind,
  score: r.score,
  outcome: r.outcome,
  sample_weight: r.sample_weight,
  scored_at: r.scored_at,
});

const WINDOW = `timestamp >= fromUnixTimestamp64Milli({lo:Int64}) AND timestamp <= fromUnixTimestamp64Milli({hi:Int64})
  AND trace_id IN {traces:Array(String)}`;

function boundsOf(rows: readonly ScoreRow[]): { lo: number; hi: number; traces: string[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.timestamp);
    hi = Math.max(hi, r.timestamp);
  }
  return { lo: lo - SLACK_MS, hi: hi + SLACK_MS, traces: [...new Set(rows.map((r) => r.trace_id))] };
}

async function query<T>(
  client: ClickHouseClient,
  sql: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const rs = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}
