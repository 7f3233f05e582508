import { annotation, dashboard, PROVIDER_ROUTE_LINK, type Dashboard } from './model.ts';
import { alertAnnotationSql, BUCKET, dimensionVariables, filters, PER_MINUTE, type Dim } from './sql.ts';

const DIMS: Dim[] = ['service', 'provider', 'route', 'model'];
const F = filters(DIMS);

/** Provider × route: where alerts link to; every panel follows the four dimension variables. */
export function providerRoute(): Dashboard {
  return dashboard(
    {
      uid: 'assay-provider-route',
      title: 'Assay / Provider × route',
      description:
        'One provider and route (or any selection): pass rate per evaluator, score distributions, the worst routes.',
    },
    dimensionVariables(DIMS),
    [annotation('Assay alerts', 'red', alertAnnotationSql(DIMS))],
    [
      {
        type: 'timeseries',
        title: 'Pass rate per evaluator',
        description: 'Weighted by 1/sampling probability, so strata sampled at different rates count fairly.',
        w: 24,
        h: 9,
        unit: 'percentunit',
        defaults: { min: 0, max: 1 },
        sql: [
          `SELECT ${BUCKET} AS time, evaluator, sum(w_passes) / nullIf(sum(w_n), 0) AS pass_rate
FROM llm_scores_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, evaluator ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'HTTP error rate vs semantic failure rate',
        unit: 'percentunit',
        sql: [
          `SELECT ${BUCKET} AS time, sum(errors) / nullIf(sum(calls), 0) AS http_error_rate
FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time ORDER BY time`,
          `SELECT ${BUCKET} AS time, sum(failed) / nullIf(sum(scored), 0) AS semantic_failure_rate
FROM call_verdicts_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Calls and errors per minute',
        unit: 'short',
        sql: [
          `SELECT ${BUCKET} AS time, sum(calls) * ${PER_MINUTE} AS calls, sum(errors) * ${PER_MINUTE} AS errors, sum(sampled) * ${PER_MINUTE} AS sampled
FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Score p10 / p50 / p90 per evaluator',
        unit: 'percentunit',
        defaults: { min: 0, max: 1 },
        sql: [
          `SELECT time, evaluator, q[1] AS p10, q[2] AS p50, q[3] AS p90 FROM (
  SELECT ${BUCKET} AS time, evaluator, quantilesTDigestMerge(0.1, 0.5, 0.9)(score_q) AS q
  FROM llm_scores_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, evaluator
) ORDER BY time`,
        ],
      },
      {
        type: 'table',
        title: 'Score distribution per evaluator',
        sql: [
          `SELECT evaluator, kind, sum(n) AS scored, sum(w_passes) / nullIf(sum(w_n), 0) AS pass_rate,
  sum(score_sum) / nullIf(sum(n), 0) AS mean_score,
  sqrt(greatest(sum(score_sq) / nullIf(sum(n), 0) - pow(sum(score_sum) / nullIf(sum(n), 0), 2), 0)) AS stddev,
  quantilesTDigestMerge(0.1, 0.5, 0.9)(score_q) AS q, q[1] AS p10, q[2] AS p50, q[3] AS p90
FROM llm_scores_1m WHERE $__timeFilter(minute) AND ${F}
GROUP BY evaluator, kind ORDER BY pass_rate ASC`,
        ],
        overrides: [
          { matcher: { id: 'byName', options: 'q' }, properties: [{ id: 'custom.hidden', value: true }] },
        ],
      },
      {
        type: 'table',
        title: 'Worst routes',
        description:
          'Routes by semantic failure rate (OK answers that failed evaluation), with their HTTP error rate beside it.',
        w: 24,
        h: 9,
        overrides: [PROVIDER_ROUTE_LINK],
        sql: [
          `SELECT c.provider AS provider, c.route AS route, c.calls AS calls,
  v.failed / nullIf(v.scored, 0) AS semantic_failure_rate, v.scored AS scored,
  c.errors / nullIf(c.calls, 0) AS http_error_rate, c.p95 AS latency_p95_ms, c.cost_usd AS cost_usd
FROM (
  SELECT provider, route, sum(calls) AS calls, sum(errors) AS errors, sum(cost_usd) AS cost_usd,
    quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_q)[2] AS p95
  FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY provider, route
) AS c
LEFT JOIN (
  SELECT provider, route, sum(scored) AS scored, sum(failed) AS failed
  FROM call_verdicts_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY provider, route
) AS v ON v.provider = c.provider AND v.route = c.route
ORDER BY semantic_failure_rate DESC, calls DESC
LIMIT 50`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Latency p95 by route',
        unit: 'ms',
        sql: [
          `SELECT time, route, q[2] AS p95 FROM (
  SELECT ${BUCKET} AS time, route, quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_q) AS q
  FROM llm_calls_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, route
) ORDER BY time`,
        ],
      },
      {
        type: 'table',
        title: 'Pass rate by route and evaluator',
        overrides: [PROVIDER_ROUTE_LINK],
        sql: [
          `SELECT provider, route, evaluator, sum(n) AS scored, sum(w_passes) / nullIf(sum(w_n), 0) AS pass_rate,
  sum(score_sum) / nullIf(sum(n), 0) AS mean_score
FROM llm_scores_1m WHERE $__timeFilter(minute) AND ${F}
GROUP BY provider, route, evaluator ORDER BY pass_rate ASC LIMIT 100`,
        ],
      },
    ],
  );
}
