import { annotation, dashboard, type Dashboard } from './model.ts';
import { alertAnnotationSql, BUCKET, dimensionVariables, filters, PER_MINUTE, type Dim } from './sql.ts';

const DIMS: Dim[] = ['service', 'provider'];
const F = filters(DIMS);

/** Calls and HTTP errors per provider from the call rollup. */
const callsByProvider = `SELECT provider, sum(calls) AS calls, sum(errors) AS errors,
    sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd,
    quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_q) AS q
  FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY provider`;

/** Scored and semantically failed calls (status ok, some evaluator failed) per provider. */
const verdictsByProvider = `SELECT provider, sum(scored) AS scored, sum(failed) AS failed
  FROM call_verdicts_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY provider`;

/** Overview: per provider, the HTTP view next to the semantic view. */
export function overview(): Dashboard {
  return dashboard(
    {
      uid: 'assay-overview',
      title: 'Assay / Overview',
      description:
        'Per provider: calls, HTTP error rate next to the semantic failure rate (answered 200 but failed evaluation), latency, tokens, cost and firing alerts.',
    },
    dimensionVariables(DIMS),
    [annotation('Assay alerts', 'red', alertAnnotationSql(DIMS))],
    [
      {
        type: 'stat',
        title: 'Calls',
        w: 6,
        h: 4,
        unit: 'short',
        sql: [`SELECT sum(calls) AS calls FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F}`],
      },
      {
        type: 'stat',
        title: 'HTTP error rate',
        w: 6,
        h: 4,
        unit: 'percentunit',
        sql: [
          `SELECT sum(errors) / nullIf(sum(calls), 0) AS http_error_rate FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F}`,
        ],
      },
      {
        type: 'stat',
        title: 'Semantic failure rate',
        description: 'Calls that returned OK but failed at least one check or judge, over calls scored.',
        w: 6,
        h: 4,
        unit: 'percentunit',
        sql: [
          `SELECT sum(failed) / nullIf(sum(scored), 0) AS semantic_failure_rate FROM call_verdicts_1m WHERE $__timeFilter(minute) AND ${F}`,
        ],
      },
      {
        type: 'stat',
        title: 'Spend',
        w: 6,
        h: 4,
        unit: 'currencyUSD',
        sql: [`SELECT sum(cost_usd) AS cost_usd FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F}`],
      },
      {
        type: 'timeseries',
        title: 'HTTP error rate vs semantic failure rate',
        description:
          'Solid: HTTP/status errors. The gap above them is answers that were 200 OK and still wrong — what Assay exists to show.',
        w: 24,
        h: 9,
        unit: 'percentunit',
        sql: [
          `SELECT ${BUCKET} AS time, concat(provider, ' http errors') AS series, sum(errors) / nullIf(sum(calls), 0) AS rate
FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, series ORDER BY time`,
          `SELECT ${BUCKET} AS time, concat(provider, ' semantic failures') AS series, sum(failed) / nullIf(sum(scored), 0) AS rate
FROM call_verdicts_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, series ORDER BY time`,
        ],
      },
      {
        type: 'table',
        title: 'Providers',
        w: 24,
        h: 7,
        sql: [
          `SELECT c.provider AS provider, c.calls AS calls,
  c.errors / nullIf(c.calls, 0) AS http_error_rate,
  v.failed / nullIf(v.scored, 0) AS semantic_failure_rate,
  v.scored AS scored,
  c.q[1] AS latency_p50_ms, c.q[2] AS latency_p95_ms,
  c.input_tokens AS input_tokens, c.output_tokens AS output_tokens, c.cost_usd AS cost_usd
FROM (${callsByProvider}) AS c
LEFT JOIN (${verdictsByProvider}) AS v ON v.provider = c.provider
ORDER BY semantic_failure_rate DESC, calls DESC`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Calls per minute',
        unit: 'short',
        sql: [
          `SELECT ${BUCKET} AS time, provider, sum(calls) * ${PER_MINUTE} AS calls_per_min
FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, provider ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Latency p50 / p95',
        unit: 'ms',
        sql: [
          `SELECT time, provider, q[1] AS p50, q[2] AS p95 FROM (
  SELECT ${BUCKET} AS time, provider, quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_q) AS q
  FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, provider
) ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Tokens per minute',
        unit: 'short',
        sql: [
          `SELECT ${BUCKET} AS time, provider, sum(input_tokens) * ${PER_MINUTE} AS input, sum(output_tokens) * ${PER_MINUTE} AS output
FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, provider ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Spend per interval',
        unit: 'currencyUSD',
        options: { legend: { displayMode: 'table', placement: 'right', calcs: ['sum'] } },
        sql: [
          `SELECT ${BUCKET} AS time, provider, sum(cost_usd) AS cost_usd
FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, provider ORDER BY time`,
        ],
      },
      {
        type: 'table',
        title: 'Firing alerts',
        description: 'Alerts whose latest state at the end of the range is firing (looking back 7 days).',
        w: 24,
        h: 7,
        sql: [
          `SELECT since, rule, provider, route, evaluator, severity, value, baseline, p_value, summary FROM (
  SELECT fingerprint, argMax(state, timestamp) AS last_state, argMax(rule, timestamp) AS rule,
    argMax(provider, timestamp) AS provider, argMax(route, timestamp) AS route,
    argMax(evaluator, timestamp) AS evaluator, argMax(severity, timestamp) AS severity,
    argMax(value, timestamp) AS value, argMax(baseline, timestamp) AS baseline,
    argMax(p_value, timestamp) AS p_value, argMax(summary, timestamp) AS summary,
    maxIf(timestamp, state = 'firing') AS since
  FROM (
    SELECT * FROM alerts
    WHERE timestamp >= $__fromTime - INTERVAL 7 DAY AND $__timeTo(timestamp) AND state IN ('firing', 'reminder', 'resolved')
      AND ${F}
  )
  GROUP BY fingerprint
) WHERE last_state IN ('firing', 'reminder') ORDER BY since DESC`,
        ],
      },
    ],
  );
}
