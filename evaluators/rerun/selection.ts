import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { parseDuration } from '../../core/duration.ts';

/** `llm_calls` columns a re-evaluation can be restricted to (`--where provider=openai`). */
export const WHERE_KEYS = [
  'service',
  'environment',
  'provider',
  'model',
  'route',
  'operation',
  'status',
] as const;
export type WhereKey = (typeof WHERE_KEYS)[number];

/** The calls a re-evaluation scores again: a time range and exact-match filters (values OR'ed per key). */
export interface RerunSelection {
  /** Call start, ms since the epoch, inclusive. */
  fromMs: number;
  /** Call start, ms since the epoch, exclusive. */
  toMs: number;
  where: Partial<Record<WhereKey, string[]>>;
}

/** A bad `--since`, `--until` or `--where`; the message says which and why. */
export class SelectionError extends Error {
  override name = 'SelectionError';
}

const whereItem = z
  .string()
  .regex(/^[a-z_]+=.*$/, 'expected key=value')
  .transform((s) => ({ key: s.slice(0, s.indexOf('=')), value: s.slice(s.indexOf('=') + 1) }))
  .pipe(z.object({ key: z.enum(WHERE_KEYS), value: z.string().min(1).max(512) }));

/** Parses `--where key=value …` items; a key given twice matches either value. */
export function parseWhere(items: readonly string[]): RerunSelection['where'] {
  const where: RerunSelection['where'] = {};
  for (const item of items) {
    const parsed = whereItem.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const why =
        issue?.path[0] === 'key' ? `unknown key (one of ${WHERE_KEYS.join(', ')})` : (issue?.message ?? '');
      throw new SelectionError(`--where "${item}": ${why}`);
    }
    const { key, value } = parsed.data;
    where[key] = [...new Set([...(where[key] ?? []), value])].sort();
  }
  return where;
}

/**
 * A point in time from `--since` / `--until`: a duration back from `now` (`7d`, `90m`) or an
 * ISO-8601 date (`2026-11-24`, `2026-11-24T10:00:00Z`).
 */
export function parseTimePoint(flag: string, text: string, now: number): number {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(text.trim())) return now - parseDuration(text);
  const t = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && Number.isFinite(t)) return t;
  throw new SelectionError(`${flag} "${text}": expected a duration back from now (7d, 12h) or an ISO date`);
}

/** The keyset cursor: the sort key of `llm_calls` plus the call's id, so pages never overlap. */
export interface CallCursor {
  service: string;
  provider: string;
  route: string;
  model: string;
  ts: number;
  trace_id: string;
  span_id: string;
}

/** One call to queue again: its key and dimensions. */
export type SelectedCall = CallCursor;

function filterSql(sel: RerunSelection): { sql: string; params: Record<string, unknown> } {
  const parts = [
    'timestamp >= fromUnixTimestamp64Milli({from_ms:Int64})',
    'timestamp < fromUnixTimestamp64Milli({to_ms:Int64})',
  ];
  const params: Record<string, unknown> = { from_ms: sel.fromMs, to_ms: sel.toMs };
  for (const key of WHERE_KEYS) {
    const values = sel.where[key];
    if (!values?.length) continue;
    // Column names come from WHERE_KEYS only; values are bound parameters.
    parts.push(`${key} IN {w_${key}:Array(String)}`);
    params[`w_${key}`] = values;
  }
  return { sql: parts.join(' AND '), params };
}

/**
 * Keyset condition "after the cursor" on (service, provider, route, model, timestamp, trace_id,
 * span_id), spelled out as ORs of column comparisons so ClickHouse's primary-key analysis (the
 * table is ordered by the first five) skips the granules before the cursor.
 */
function afterSql(): string {
  const cols = [
    ['service', '{c_service:String}'],
    ['provider', '{c_provider:String}'],
    ['route', '{c_route:String}'],
    ['model', '{c_model:String}'],
    ['timestamp', 'fromUnixTimestamp64Milli({c_ts:Int64})'],
    ['trace_id', '{c_trace:String}'],
    ['span_id', '{c_span:String}'],
  ] as const;
  const ors = cols.map((_, i) =>
    [...cols.slice(0, i).map(([c, v]) => `${c} = ${v}`), `${cols[i]?.[0]} > ${cols[i]?.[1]}`].join(' AND '),
  );
  return `(service >= {c_service:String}) AND ((${ors.join(') OR (')}))`;
}

/** Reads the next page of selected calls after `cursor` (from the start when undefined), in key order. */
export async function readPage(
  client: ClickHouseClient,
  database: string,
  sel: RerunSelection,
  cursor: CallCursor | undefined,
  limit: number,
): Promise<SelectedCall[]> {
  const f = filterSql(sel);
  const params: Record<string, unknown> = { ...f.params, limit };
  if (cursor)
    Object.assign(params, {
      c_service: cursor.service,
      c_provider: cursor.provider,
      c_route: cursor.route,
      c_model: cursor.model,
      c_ts: cursor.ts,
      c_trace: cursor.trace_id,
      c_span: cursor.span_id,
    });
  const rs = await client.query({
    query: `SELECT service, provider, route, model, toUnixTimestamp64Milli(timestamp) AS ts, trace_id, span_id
      FROM ${database}.llm_calls
      WHERE ${f.sql} ${cursor ? `AND ${afterSql()}` : ''}
      ORDER BY service, provider, route, model, timestamp, trace_id, span_id
      LIMIT {limit:UInt32}`,
    query_params: params,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<SelectedCall & { ts: number | string }>();
  return rows.map((r) => ({ ...r, ts: Number(r.ts) }));
}

/** Selected calls per stratum (service, provider, route, model): the total and the dry run's estimate. */
export interface StratumCount {
  service: string;
  provider: string;
  route: string;
  model: string;
  calls: number;
}

export async function countStrata(
  client: ClickHouseClient,
  database: string,
  sel: RerunSelection,
): Promise<StratumCount[]> {
  const f = filterSql(sel);
  const rs = await client.query({
    query: `SELECT service, provider, route, model, uniqExact(trace_id, span_id) AS calls
      FROM ${database}.llm_calls WHERE ${f.sql}
      GROUP BY service, provider, route, model ORDER BY service, provider, route, model`,
    query_params: f.params,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<StratumCount & { calls: number | string }>();
  return rows.map((r) => ({ ...r, calls: Number(r.calls) }));
}

/** Average stored cost of one judge score per evaluator, over the selection's time range. */
export async function judgeCostPerScore(
  client: ClickHouseClient,
  database: string,
  sel: RerunSelection,
): Promise<Map<string, number>> {
  const rs = await client.query({
    query: `SELECT evaluator, avg(cost_usd) AS usd FROM ${database}.llm_scores
      WHERE kind = 'judge' AND timestamp >= fromUnixTimestamp64Milli({from_ms:Int64})
        AND timestamp < fromUnixTimestamp64Milli({to_ms:Int64})
      GROUP BY evaluator`,
    query_params: { from_ms: sel.fromMs, to_ms: sel.toMs },
    format: 'JSONEachRow',
  });
  return new Map((await rs.json<{ evaluator: string; usd: number }>()).map((r) => [r.evaluator, r.usd]));
}
