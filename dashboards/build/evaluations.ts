import { annotation, dashboard, type Dashboard } from './model.ts';
import {
  alertAnnotationSql,
  BUCKET,
  dimensionVariables,
  evaluatorVariable,
  filters,
  histogramQuantiles,
  type Dim,
} from './sql.ts';

const DIMS: Dim[] = ['service', 'provider', 'route', 'model'];
const EVALUATOR = '$__conditionalAll(evaluator IN (${evaluator:singlequote}), $evaluator)';
const F = `${filters(DIMS)} AND ${EVALUATOR}`;

/** Failing scores in range, newest first: the rows the "recent failing calls" table shows. */
const failingScores = `SELECT timestamp, trace_id, span_id, service, provider, route, model, evaluator, kind, score, reason
  FROM llm_scores
  WHERE $__timeFilter(timestamp) AND passed = 0 AND ${F}
  ORDER BY timestamp DESC LIMIT 100`;

/** Evaluations: per evaluator pass rates, why calls fail, what judging costs, and the failing calls themselves. */
export function evaluations(): Dashboard {
  return dashboard(
    {
      uid: 'assay-evaluations',
      title: 'Assay / Evaluations',
      description:
        'Per evaluator: pass rates, failure reasons, judge spend and latency, and the most recent failing calls.',
    },
    [...dimensionVariables(DIMS), evaluatorVariable(DIMS)],
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
        title: 'User feedback and external scores: pass rate',
        description:
          "Scores from outside Assay (POST /v1/scores, OTel gen_ai.evaluation.result events): end users' feedback and other evaluators, one series per kind and evaluator, kept apart from Assay's own checks and judges of the same name.",
        w: 24,
        h: 8,
        unit: 'percentunit',
        defaults: { min: 0, max: 1 },
        sql: [
          `SELECT ${BUCKET} AS time, concat(kind, ': ', evaluator) AS series, sum(passes) / nullIf(sum(n), 0) AS pass_rate
FROM llm_scores_1m WHERE $__timeFilter(minute) AND kind IN ('feedback', 'external') AND ${F}
GROUP BY time, series ORDER BY time`,
        ],
      },
      {
        type: 'table',
        title: 'Judges vs user feedback: agreement',
        description:
          "On calls that have both a judge's sure verdict and end-user feedback: raw agreement and Cohen's kappa (agreement beyond chance; 1 perfect, 0 chance level) per judge, judge model and rubric version. A judge whose kappa falls no longer judges the way users do.",
        w: 24,
        h: 6,
        sql: [
          `SELECT j.evaluator AS judge, j.judge_model AS judge_model, j.evaluator_version AS rubric_version,
  count() AS calls, avg(j.passed = f.passed) AS raw_agreement,
  avg(j.passed) * avg(f.passed) + (1 - avg(j.passed)) * (1 - avg(f.passed)) AS chance_agreement,
  (raw_agreement - chance_agreement) / nullIf(1 - chance_agreement, 0) AS cohen_kappa
FROM (
  SELECT trace_id, span_id, evaluator, judge_model, evaluator_version, argMax(passed, scored_at) AS passed
  FROM llm_scores WHERE $__timeFilter(timestamp) AND kind = 'judge' AND outcome != 'unsure' AND ${F}
  GROUP BY trace_id, span_id, evaluator, judge_model, evaluator_version
) AS j
INNER JOIN (
  SELECT trace_id, span_id, argMax(passed, scored_at) AS passed
  FROM llm_scores WHERE $__timeFilter(timestamp) AND kind = 'feedback' AND outcome != 'unsure' AND ${filters(DIMS)}
  GROUP BY trace_id, span_id
) AS f USING (trace_id, span_id)
GROUP BY judge, judge_model, rubric_version ORDER BY cohen_kappa ASC`,
        ],
      },
      {
        type: 'table',
        title: 'Judge calibration: agreement with golden sets',
        description:
          "Each judge model's newest calibration run per rubric (judge_calibration): the golden set judged again, Cohen's kappa and raw agreement with the expected verdicts, and with end-user feedback on live calls where there is some. A kappa below 0.6, or 0.2 lower than the run before, pages as judge_drift.",
        w: 24,
        h: 6,
        sql: [
          `SELECT judge_model, evaluator AS judge, argMax(rubric_version, run_at) AS rubric_version,
  argMax(golden_set, run_at) AS golden_set, max(run_at) AS last_run, argMax(n, run_at) AS items_judged,
  argMax(kappa, run_at) AS cohen_kappa, argMax(raw_agreement, run_at) AS raw_agreement,
  argMax(kappa, run_at) - argMin(kappa, run_at) AS kappa_change_in_range,
  argMax(feedback_kappa, run_at) AS feedback_kappa, argMax(feedback_n, run_at) AS feedback_calls,
  argMax(position_bias, run_at) AS position_bias
FROM judge_calibration WHERE $__timeFilter(run_at)
GROUP BY judge_model, judge ORDER BY cohen_kappa ASC`,
        ],
      },
      {
        type: 'timeseries',
        title: "Judge calibration: Cohen's kappa per run",
        description: 'One point per calibration run and judge model × rubric; a fall is the judge drifting.',
        unit: 'short',
        defaults: { min: -1, max: 1, custom: { drawStyle: 'line', showPoints: 'always' } },
        sql: [
          `SELECT run_at AS time, concat(judge_model, ' ', evaluator) AS judge, kappa
FROM judge_calibration WHERE $__timeFilter(run_at) AND kappa IS NOT NULL ORDER BY time`,
        ],
      },
      {
        type: 'table',
        title: 'Evaluators',
        w: 24,
        h: 7,
        sql: [
          `SELECT evaluator, kind, sum(n) AS scored, sum(w_passes) / nullIf(sum(w_n), 0) AS pass_rate,
  sum(score_sum) / nullIf(sum(n), 0) AS mean_score, sum(cost_usd) AS judge_spend_usd,
  sum(input_tokens) AS judge_input_tokens, sum(output_tokens) AS judge_output_tokens
FROM llm_scores_1m WHERE $__timeFilter(minute) AND ${F}
GROUP BY evaluator, kind ORDER BY pass_rate ASC`,
        ],
      },
      {
        type: 'table',
        title: 'Top failure reasons',
        description: 'Reasons are row-level text, so this reads the raw scores table (bounded by the range).',
        sql: [
          `SELECT evaluator, reason, count() AS failures, uniqExact(route) AS routes, max(timestamp) AS last_seen
FROM llm_scores WHERE $__timeFilter(timestamp) AND passed = 0 AND ${F}
GROUP BY evaluator, reason ORDER BY failures DESC LIMIT 25`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Failures per interval by evaluator',
        unit: 'short',
        defaults: { custom: { drawStyle: 'bars', stacking: { mode: 'normal' } } },
        sql: [
          `SELECT ${BUCKET} AS time, evaluator, sum(n) - sum(passes) AS failures
FROM llm_scores_1m WHERE $__timeFilter(minute) AND ${F} GROUP BY time, evaluator ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Judge spend per interval',
        unit: 'currencyUSD',
        options: { legend: { displayMode: 'table', placement: 'right', calcs: ['sum'] } },
        sql: [
          `SELECT ${BUCKET} AS time, evaluator, sum(cost_usd) AS spend_usd
FROM llm_scores_1m WHERE $__timeFilter(minute) AND kind = 'judge' AND ${F} GROUP BY time, evaluator ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Judge tokens per interval',
        unit: 'short',
        sql: [
          `SELECT ${BUCKET} AS time, evaluator, sum(input_tokens) AS input, sum(output_tokens) AS output
FROM llm_scores_1m WHERE $__timeFilter(minute) AND kind = 'judge' AND ${F} GROUP BY time, evaluator ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Evaluation lag (call → scored) p50 / p95',
        description:
          'Time from the call to its score being written: sampling wait, queueing and evaluation. Read from raw scores (no rollup holds it).',
        unit: 's',
        sql: [
          `SELECT time, kind, q[1] AS p50, q[2] AS p95 FROM (
  SELECT $__timeInterval(timestamp) AS time, kind,
    quantiles(0.5, 0.95)(dateDiff('millisecond', timestamp, scored_at) / 1000) AS q
  FROM llm_scores WHERE $__timeFilter(timestamp) AND ${F} GROUP BY time, kind
) ORDER BY time`,
        ],
      },
      {
        type: 'timeseries',
        title: 'Evaluator run time p50 / p95 by kind',
        description:
          "Time to run one check or one judge request, from the workers' own histogram (all series, not filtered).",
        unit: 's',
        sql: [histogramQuantiles('assay_evaluation_seconds', 'kind')],
      },
      {
        type: 'table',
        title: 'Recent failing calls',
        description:
          'The newest 100 scores that failed, with the answer that failed them and the trace to open.',
        w: 24,
        h: 10,
        sql: [
          `SELECT s.timestamp AS time, s.service AS service, s.provider AS provider, s.route AS route, s.model AS model,
  s.evaluator AS evaluator, round(s.score, 3) AS score, s.reason AS reason,
  substring(c.response, 1, 200) AS answer_excerpt, s.trace_id AS trace_id
FROM (${failingScores}) AS s
LEFT JOIN (
  SELECT trace_id, span_id, response FROM llm_calls
  WHERE $__timeFilter(timestamp) AND trace_id IN (SELECT trace_id FROM (${failingScores}))
) AS c ON c.trace_id = s.trace_id AND c.span_id = s.span_id
ORDER BY time DESC`,
        ],
      },
    ],
  );
}
