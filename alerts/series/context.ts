import type { ClickHouseClient } from '@clickhouse/client';
import type { Dimension, RuleConfig } from '../config.ts';
import { num, queryRows } from './query.ts';
import { timeParams, windowsFor } from './series.ts';
import type { SeriesLabels } from '../types.ts';

/** What the data says about an alert beyond its numbers: examples and likely causes. */
export interface AlertContext {
  /** Up to 3 trace ids of calls that show the problem in the current window. */
  exampleTraceIds: string[];
  /** Calls per response model (`llm_calls.model`) in the window and in the baseline. */
  models: { model: string; window: number; baseline: number }[];
  /** Failed calls per evaluator in the window (semantic failures only). */
  failedEvaluators: { evaluator: string; calls: number }[];
  /** Total semantically failed calls in the window. */
  failedCalls: number;
  /** Semantically failed calls per response model in the window (who answered the failing calls). */
  failedModels: { model: string; calls: number }[];
  /** Error counts in both windows. */
  errors: { window: { n: number; k: number }; baseline: { n: number; k: number } };
}

/** Example-call queries per metric: which calls illustrate the regression. */
const EXAMPLES: Record<
  Exclude<RuleConfig['metric'], 'judge_kappa'>,
  { table: string; where: string; order: string }
> = {
  semantic_failure_rate: {
    table: 'call_verdicts',
    where: "status = 'ok' AND failed = 1",
    order: 'timestamp DESC',
  },
  pass_rate: { table: 'llm_scores', where: 'passed = 0', order: 'timestamp DESC' },
  mean_score: { table: 'llm_scores', where: '1', order: 'score ASC, timestamp DESC' },
  error_rate: { table: 'llm_calls', where: "status = 'error'", order: 'timestamp DESC' },
  latency_p95: { table: 'llm_calls', where: '1', order: 'duration_ms DESC' },
  cost_per_call: { table: 'llm_calls', where: 'cost_usd IS NOT NULL', order: 'cost_usd DESC' },
  tokens_per_call: { table: 'llm_calls', where: '1', order: 'input_tokens + output_tokens DESC' },
  // A conversation row's trace_id is its last call's.
  conversation_pass_rate: {
    table: 'conversation_scores',
    where: "outcome = 'fail'",
    order: 'timestamp DESC',
  },
  conversation_score: {
    table: 'conversation_scores',
    where: "outcome IN ('pass', 'fail')",
    order: 'score ASC, timestamp DESC',
  },
};

/** Filters on the series' labels, as bound parameters (`{d_route:String}`), never spliced values. */
function seriesFilter(
  labels: SeriesLabels,
  allowEvaluator: boolean,
): { sql: string; params: Record<string, string> } {
  const parts: string[] = [];
  const params: Record<string, string> = {};
  for (const [dim, value] of Object.entries(labels) as [Dimension, string][]) {
    // The call-level tables (llm_calls_1m, call_verdicts) have no evaluator or tool column (nor,
    // in llm_calls_1m, an agent one): their context is the series' provider, route, model.
    if ((dim === 'evaluator' || dim === 'tool' || dim === 'agent_name') && !allowEvaluator) continue;
    parts.push(`${dim} = {d_${dim}:String}`);
    params[`d_${dim}`] = value;
  }
  return { sql: parts.length ? `AND ${parts.join(' AND ')}` : '', params };
}

/** Reads examples and likely-cause data for one series; called only when an alert starts firing. */
export async function readContext(
  client: ClickHouseClient,
  database: string,
  rule: RuleConfig,
  labels: SeriesLabels,
  now: number,
): Promise<AlertContext> {
  const t = timeParams(windowsFor(rule, now));
  const withEval = seriesFilter(labels, true);
  const noEval = seriesFilter(labels, false);
  // Judge drift has no example calls (its source never asks); the calls a judge scored stand in.
  const ex = EXAMPLES[rule.metric === 'judge_kappa' ? 'mean_score' : rule.metric];
  const exFilter = ex.table === 'llm_scores' || ex.table === 'conversation_scores' ? withEval : noEval;
  // A rule on one kind of score (feedback, external) shows examples of that kind only.
  const kindSql = ex.table === 'llm_scores' && rule.evaluator_kind ? 'AND kind = {ex_kind:String}' : '';
  const cur = "{cur:DateTime('UTC')}";
  const [examples, models, failed, failedModels, errors] = await Promise.all([
    queryRows(
      client,
      `SELECT trace_id FROM ${database}.${ex.table}
       WHERE timestamp >= ${cur} AND timestamp <= {end:DateTime('UTC')} AND ${ex.where} ${exFilter.sql} ${kindSql}
       ORDER BY ${ex.order} LIMIT 3`,
      { ...t, ...exFilter.params, ex_kind: rule.evaluator_kind ?? '' },
    ),
    queryRows(
      client,
      `SELECT model, sumIf(calls, minute >= ${cur}) AS w, sumIf(calls, minute < ${cur}) AS b
       FROM ${database}.llm_calls_1m
       WHERE minute >= {base:DateTime('UTC')} AND minute <= {end:DateTime('UTC')} ${noEval.sql}
       GROUP BY model ORDER BY w DESC LIMIT 10`,
      { ...t, ...noEval.params },
    ),
    queryRows(
      client,
      `SELECT ev, count() AS c, any(total) AS total FROM (
         SELECT failed_evaluators, count() OVER () AS total FROM ${database}.call_verdicts
         WHERE timestamp >= ${cur} AND timestamp <= {end:DateTime('UTC')} AND status = 'ok' AND failed = 1 ${noEval.sql}
       ) ARRAY JOIN failed_evaluators AS ev GROUP BY ev ORDER BY c DESC LIMIT 5`,
      { ...t, ...noEval.params },
    ),
    queryRows(
      client,
      `SELECT model, count() AS c FROM ${database}.call_verdicts
       WHERE timestamp >= ${cur} AND timestamp <= {end:DateTime('UTC')} AND status = 'ok' AND failed = 1 ${noEval.sql}
       GROUP BY model ORDER BY c DESC LIMIT 10`,
      { ...t, ...noEval.params },
    ),
    queryRows(
      client,
      `SELECT sumIf(calls, minute >= ${cur}) AS wn, sumIf(errors, minute >= ${cur}) AS wk,
              sumIf(calls, minute < ${cur}) AS bn, sumIf(errors, minute < ${cur}) AS bk
       FROM ${database}.llm_calls_1m
       WHERE minute >= {base:DateTime('UTC')} AND minute <= {end:DateTime('UTC')} ${noEval.sql}`,
      { ...t, ...noEval.params },
    ),
  ]);
  const e = errors[0] ?? {};
  return {
    exampleTraceIds: examples.map((r) => String(r['trace_id'])),
    models: models.map((r) => ({ model: String(r['model']), window: num(r['w']), baseline: num(r['b']) })),
    failedEvaluators: failed.map((r) => ({ evaluator: String(r['ev']), calls: num(r['c']) })),
    failedCalls: num(failed[0]?.['total'] ?? 0),
    failedModels: failedModels.map((r) => ({ model: String(r['model']), calls: num(r['c']) })),
    errors: {
      window: { n: num(e['wn'] ?? 0), k: num(e['wk'] ?? 0) },
      baseline: { n: num(e['bn'] ?? 0), k: num(e['bk'] ?? 0) },
    },
  };
}
