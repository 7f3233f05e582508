import type { ClickHouseClient } from '@clickhouse/client';
import { hasShortWindow, type Dimension, type MetricName, type RuleConfig } from '../config.ts';
import type { SeriesLabels, SeriesSnapshot, WindowAgg } from '../types.ts';
import { readJudgeKappa } from './judge-kappa.ts';
import { chTime, num, queryRows, type Row } from './query.ts';

/** The time ranges of one tick: baseline [baselineStart, currentStart), current [currentStart, end]. */
export interface WindowBounds {
  baselineStart: number;
  currentStart: number;
  /** Start of the short window, when the rule has one. */
  shortStart?: number;
  end: number;
}

const MINUTE = 60_000;

/** Windows align to the rollups' minutes; the current (partial) minute belongs to the current window. */
export function windowsFor(
  rule: Pick<RuleConfig, 'window' | 'short_window' | 'baseline'>,
  now: number,
): WindowBounds {
  const floor = (t: number) => Math.floor(t / MINUTE) * MINUTE;
  const currentStart = floor(now - rule.window);
  return {
    baselineStart: currentStart - rule.baseline,
    currentStart,
    shortStart: hasShortWindow(rule) ? floor(now - rule.short_window) : undefined,
    end: now,
  };
}

/** Where each metric lives in the rollups; every expression is a constant, never user data. */
interface Source {
  table:
    | 'llm_calls_1m'
    | 'llm_scores_1m'
    | 'call_verdicts_1m'
    | 'llm_scores_agent_1m'
    | 'call_verdicts_agent_1m'
    | 'conversation_scores_1m';
  n: string;
  /** Proportion: bad outcomes. */
  k?: string;
  /** Mean: sum and sum of squares. */
  sum?: string;
  sumsq?: string;
}

const SOURCES: Record<Exclude<MetricName, 'latency_p95' | 'judge_kappa'>, Source> = {
  semantic_failure_rate: { table: 'call_verdicts_1m', n: 'scored', k: 'failed' },
  error_rate: { table: 'llm_calls_1m', n: 'calls', k: 'errors' },
  pass_rate: { table: 'llm_scores_1m', n: 'n', k: 'n - passes' },
  mean_score: { table: 'llm_scores_1m', n: 'n', sum: 'score_sum', sumsq: 'score_sq' },
  cost_per_call: { table: 'llm_calls_1m', n: 'priced_calls', sum: 'cost_usd', sumsq: 'cost_sq' },
  tokens_per_call: {
    table: 'llm_calls_1m',
    n: 'calls',
    sum: 'input_tokens + output_tokens',
    sumsq: 'tokens_sq',
  },
  // Closed conversations judged as a whole (migration 0011); the table has agent_name itself.
  conversation_pass_rate: { table: 'conversation_scores_1m', n: 'n', k: 'n - passes' },
  conversation_score: { table: 'conversation_scores_1m', n: 'n', sum: 'score_sum', sumsq: 'score_sq' },
};

/** Identifiers come from this whitelist only (the config schema restricts `by` to it too). */
const DIMENSION_COLUMNS: Record<Dimension, string> = {
  provider: 'provider',
  route: 'route',
  model: 'model',
  service: 'service',
  evaluator: 'evaluator',
  agent_name: 'agent_name',
  tool: 'tool',
};

/** A rule split by agent or tool reads the agent rollups (migration 0008), which have those columns. */
export function tableOf(rule: Pick<RuleConfig, 'by'>, table: Source['table']): Source['table'] {
  if (!rule.by.includes('agent_name') && !rule.by.includes('tool')) return table;
  if (table === 'llm_scores_1m') return 'llm_scores_agent_1m';
  if (table === 'call_verdicts_1m') return 'call_verdicts_agent_1m';
  return table;
}

export function dimsOf(rule: Pick<RuleConfig, 'by'>): string[] {
  return rule.by.map((d) => DIMENSION_COLUMNS[d]);
}

/** Reads every series of `rule` for the tick at `now`: current window(s) and baseline per series. */
export async function readSeries(
  client: ClickHouseClient,
  database: string,
  rule: RuleConfig,
  now: number,
): Promise<SeriesSnapshot[]> {
  const w = windowsFor(rule, now);
  if (rule.metric === 'latency_p95') return readLatency(client, database, rule, w);
  if (rule.metric === 'judge_kappa') return readJudgeKappa(client, database, rule, now);
  const src = SOURCES[rule.metric];
  const dims = dimsOf(rule);
  const cols = src.k ? { n: src.n, k: src.k } : { n: src.n, sum: src.sum ?? '0', sumsq: src.sumsq ?? '0' };
  const select = Object.entries(cols).flatMap(([name, expr]) => [
    `sumIf(${expr}, minute >= {cur:DateTime('UTC')}) AS cur_${name}`,
    `sumIf(${expr}, minute >= {short:DateTime('UTC')}) AS short_${name}`,
    `sumIf(${expr}, minute < {cur:DateTime('UTC')}) AS base_${name}`,
  ]);
  const query = `SELECT ${[...dims, ...select].join(', ')}
    FROM ${database}.${tableOf(rule, src.table)}
    WHERE minute >= {base:DateTime('UTC')} AND minute <= {end:DateTime('UTC')}
      ${rule.evaluator ? 'AND evaluator = {evaluator:String}' : ''}
      ${rule.evaluator_kind ? 'AND kind = {kind:String}' : ''}
    GROUP BY ${dims.join(', ')}`;
  const rows = await queryRows(client, query, {
    ...timeParams(w),
    evaluator: rule.evaluator ?? '',
    kind: rule.evaluator_kind ?? '',
  });
  const agg = (r: Row, p: string): WindowAgg =>
    src.k
      ? { kind: 'proportion', n: num(r[`${p}_n`]), k: num(r[`${p}_k`]) }
      : { kind: 'mean', n: num(r[`${p}_n`]), sum: num(r[`${p}_sum`]), sumsq: num(r[`${p}_sumsq`]) };
  return rows.map((r) => ({
    labels: labelsOf(rule, r),
    current: agg(r, 'cur'),
    short: w.shortStart !== undefined ? agg(r, 'short') : undefined,
    baseline: agg(r, 'base'),
  }));
}

/**
 * p95 per window from the rollup's t-digest states, plus the exceedance counts the test needs:
 * calls in the current windows slower than the baseline's p95 (from the raw table, window only).
 */
async function readLatency(
  client: ClickHouseClient,
  database: string,
  rule: RuleConfig,
  w: WindowBounds,
): Promise<SeriesSnapshot[]> {
  const dims = dimsOf(rule);
  const q = 'quantilesTDigestMergeIf(0.5, 0.95, 0.99)';
  const rollup = `SELECT ${dims.join(', ')},
      sumIf(calls, minute >= {cur:DateTime('UTC')}) AS cur_n, ${q}(latency_q, minute >= {cur:DateTime('UTC')})[2] AS cur_p95,
      sumIf(calls, minute >= {short:DateTime('UTC')}) AS short_n, ${q}(latency_q, minute >= {short:DateTime('UTC')})[2] AS short_p95,
      sumIf(calls, minute < {cur:DateTime('UTC')}) AS base_n, ${q}(latency_q, minute < {cur:DateTime('UTC')})[2] AS base_p95
    FROM ${database}.llm_calls_1m
    WHERE minute >= {base:DateTime('UTC')} AND minute <= {end:DateTime('UTC')}
    GROUP BY ${dims.join(', ')}`;
  const exceed = `SELECT ${dims.map((d) => `c.${d} AS ${d}`).join(', ')},
      countIf(c.duration_ms > b.p95) AS cur_x,
      countIf(c.duration_ms > b.p95 AND c.timestamp >= {short:DateTime('UTC')}) AS short_x
    FROM ${database}.llm_calls AS c
    INNER JOIN (
      SELECT ${dims.join(', ')}, quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_q)[2] AS p95
      FROM ${database}.llm_calls_1m
      WHERE minute >= {base:DateTime('UTC')} AND minute < {cur:DateTime('UTC')}
      GROUP BY ${dims.join(', ')}
    ) AS b ON ${dims.map((d) => `c.${d} = b.${d}`).join(' AND ')}
    WHERE c.timestamp >= {cur:DateTime('UTC')} AND c.timestamp <= {end:DateTime('UTC')}
    GROUP BY ${dims.map((d) => `c.${d}`).join(', ')}`;
  const params = timeParams(w);
  const [rows, exRows] = await Promise.all([
    queryRows(client, rollup, params),
    queryRows(client, exceed, params),
  ]);
  const ex = new Map(exRows.map((r) => [keyOf(dims, r), r]));
  return rows.map((r) => {
    const x = ex.get(keyOf(dims, r));
    const agg = (p: string, exceedCol?: string): WindowAgg => ({
      kind: 'quantile',
      n: num(r[`${p}_n`]),
      value: num(r[`${p}_p95`]),
      exceed: exceedCol && x ? num(x[exceedCol]) : 0,
    });
    return {
      labels: labelsOf(rule, r),
      current: agg('cur', 'cur_x'),
      short: w.shortStart !== undefined ? agg('short', 'short_x') : undefined,
      baseline: agg('base'),
    };
  });
}

export function timeParams(w: WindowBounds): Record<string, string> {
  return {
    base: chTime(w.baselineStart),
    cur: chTime(w.currentStart),
    short: chTime(w.shortStart ?? w.currentStart),
    end: chTime(w.end),
  };
}

function labelsOf(rule: RuleConfig, r: Row): SeriesLabels {
  const labels: SeriesLabels = {};
  for (const d of rule.by) labels[d] = String(r[DIMENSION_COLUMNS[d]] ?? '');
  if (rule.evaluator) labels.evaluator = rule.evaluator;
  return labels;
}

function keyOf(dims: string[], r: Row): string {
  return JSON.stringify(dims.map((d) => r[d]));
}
