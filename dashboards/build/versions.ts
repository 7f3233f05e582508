import { annotation, dashboard, type Dashboard } from './model.ts';
import { alertAnnotationSql, dimensionVariables, evaluatorVariable, filters, type Dim } from './sql.ts';

const DIMS: Dim[] = ['service', 'provider', 'route', 'model'];
const EVALUATOR = '$__conditionalAll(evaluator IN (${evaluator:singlequote}), $evaluator)';
const F = `${filters(DIMS)} AND ${EVALUATOR}`;

/** Assay's own sure verdicts in range, one per (call, evaluator, version): what versions are compared on. */
const SCORES = `SELECT trace_id, span_id, evaluator, evaluator_version, argMax(passed, scored_at) AS passed,
    argMax(score, scored_at) AS score, max(scored_at) AS scored
  FROM llm_scores
  WHERE $__timeFilter(timestamp) AND kind IN ('check', 'judge') AND outcome != 'unsure' AND ${F}
  GROUP BY trace_id, span_id, evaluator, evaluator_version`;

/**
 * Per evaluator, its two most recently written versions in range (by their newest score), and on
 * the calls both scored: how often they agree, and each one's pass rate and mean score. An
 * evaluator with one version shows it with no previous one and 0 calls compared.
 */
const NEWEST_VS_PREVIOUS = `WITH scores AS (${SCORES}),
pairs AS (
  SELECT evaluator, vs[1] AS newest, if(length(vs) > 1, vs[2], '') AS previous
  FROM (
    SELECT evaluator, arrayReverse(arrayMap(x -> x.2, arraySort(groupArray((last, evaluator_version))))) AS vs
    FROM (SELECT evaluator, evaluator_version, max(scored) AS last FROM scores GROUP BY evaluator, evaluator_version)
    GROUP BY evaluator
  )
),
matched AS (
  SELECT n.evaluator AS evaluator, n.passed AS n_passed, n.score AS n_score, o.passed AS o_passed, o.score AS o_score
  FROM scores AS n
  INNER JOIN pairs AS p ON n.evaluator = p.evaluator AND n.evaluator_version = p.newest
  INNER JOIN scores AS o
    ON o.evaluator = p.evaluator AND o.evaluator_version = p.previous AND o.trace_id = n.trace_id AND o.span_id = n.span_id
)
SELECT p.evaluator AS evaluator, p.newest AS newest_version, p.previous AS previous_version,
  m.same_calls AS same_calls,
  if(m.same_calls > 0, m.agreement, NULL) AS agreement,
  if(m.same_calls > 0, m.newest_pass_rate, NULL) AS newest_pass_rate,
  if(m.same_calls > 0, m.previous_pass_rate, NULL) AS previous_pass_rate,
  if(m.same_calls > 0, m.newest_mean_score, NULL) AS newest_mean_score,
  if(m.same_calls > 0, m.previous_mean_score, NULL) AS previous_mean_score
FROM pairs AS p
LEFT JOIN (
  SELECT evaluator, count() AS same_calls, avg(n_passed = o_passed) AS agreement,
    avg(n_passed) AS newest_pass_rate, avg(o_passed) AS previous_pass_rate,
    avg(n_score) AS newest_mean_score, avg(o_score) AS previous_mean_score
  FROM matched GROUP BY evaluator
) AS m ON m.evaluator = p.evaluator
ORDER BY agreement ASC, evaluator`;

/**
 * Evaluator versions: after a re-evaluation (`assay evaluate`) the old and the new version's rows
 * are both in `llm_scores`; the rollups (every other dashboard, the alert rules) count the newest
 * version of each call's score. This board puts the two side by side on the same calls.
 */
export function evaluatorVersions(): Dashboard {
  return dashboard(
    {
      uid: 'assay-evaluator-versions',
      title: 'Assay / Evaluator versions',
      description:
        'Each evaluator’s newest version beside the previous one on the calls both scored (assay evaluate): agreement and pass rates.',
    },
    [...dimensionVariables(DIMS), evaluatorVariable(DIMS)],
    [annotation('Assay alerts', 'red', alertAnnotationSql(DIMS))],
    [
      {
        type: 'table',
        title: 'Newest vs previous version on the same calls',
        description:
          'Per evaluator, its two most recently written versions in the range. agreement: share of the calls both versions scored surely on which they give the same pass/fail; pass rates and mean scores on those calls. Raw scores, unweighted (a re-evaluation scores every call in its range).',
        w: 24,
        h: 9,
        sql: [NEWEST_VS_PREVIOUS],
      },
      {
        type: 'timeseries',
        title: 'Pass rate by evaluator version',
        description:
          'Every version stored, by the time of the call it scored: a re-evaluated range shows the old and the new version over the same calls.',
        w: 24,
        h: 9,
        unit: 'percentunit',
        defaults: { min: 0, max: 1 },
        sql: [
          `SELECT $__timeInterval(timestamp) AS time, concat(evaluator, ' ', evaluator_version) AS series, avg(passed) AS pass_rate
FROM llm_scores WHERE $__timeFilter(timestamp) AND kind IN ('check', 'judge') AND outcome != 'unsure' AND ${F}
GROUP BY time, series ORDER BY time`,
        ],
      },
    ],
  );
}
