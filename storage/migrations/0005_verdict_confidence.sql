-- Checks say how sure they are. A verdict below `evaluators.min_confidence` is stored with
-- outcome 'unsure': it is escalated to a judge when one is configured, and it is kept out of
-- pass rates and failure rates, which the rollups below now count from sure verdicts only.
-- Rows written before this migration read as sure (confidence 1, outcome from `passed`).
ALTER TABLE {db}.llm_scores
    ADD COLUMN IF NOT EXISTS confidence Float32 DEFAULT 1 AFTER passed,
    ADD COLUMN IF NOT EXISTS outcome LowCardinality(String) DEFAULT if(passed = 1, 'pass', 'fail') AFTER confidence;

ALTER TABLE {db}.llm_scores_1m
    ADD COLUMN IF NOT EXISTS unsure SimpleAggregateFunction(sum, UInt64) AFTER passes;

-- The view is replaced (DROP + CREATE): rows inserted between the two statements would miss the
-- rollup, so migrations run before any writer starts (`assay migrate`, or at a role's start).
DROP VIEW IF EXISTS {db}.llm_scores_1m_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.llm_scores_1m_mv TO {db}.llm_scores_1m AS
SELECT
    toStartOfMinute(s.timestamp) AS minute,
    s.service AS service, s.provider AS provider, s.model AS model, s.route AS route,
    s.evaluator AS evaluator, s.kind AS kind,
    countIf(s.outcome != 'unsure') AS n,
    countIf(s.outcome = 'pass') AS passes,
    countIf(s.outcome = 'unsure') AS unsure,
    sumIf(s.score, s.outcome != 'unsure') AS score_sum,
    sumIf(s.score * s.score, s.outcome != 'unsure') AS score_sq,
    sumIf(s.sample_weight, s.outcome != 'unsure') AS w_n,
    sumIf(s.sample_weight, s.outcome = 'pass') AS w_passes,
    sumIf(s.sample_weight * s.score, s.outcome != 'unsure') AS w_score_sum,
    sumIf(s.sample_weight * s.score * s.score, s.outcome != 'unsure') AS w_score_sq,
    sum(s.cost_usd) AS cost_usd,
    sum(s.input_tokens) AS input_tokens,
    sum(s.output_tokens) AS output_tokens,
    quantilesTDigestStateIf(0.1, 0.5, 0.9)(s.score, s.outcome != 'unsure') AS score_q
FROM {db}.llm_scores AS s
GROUP BY minute, service, provider, model, route, evaluator, kind;

-- A call is failed when a sure verdict failed. A call with unsure verdicts and no failure is not
-- counted as scored (its outcome is unknown), only as unsure.
ALTER TABLE {db}.call_verdicts
    ADD COLUMN IF NOT EXISTS unsure_evaluators Array(LowCardinality(String)) AFTER failed_evaluators;

ALTER TABLE {db}.call_verdicts_1m
    ADD COLUMN IF NOT EXISTS unsure SimpleAggregateFunction(sum, UInt64) AFTER failed,
    ADD COLUMN IF NOT EXISTS w_unsure SimpleAggregateFunction(sum, Float64) AFTER w_failed;

DROP VIEW IF EXISTS {db}.call_verdicts_1m_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.call_verdicts_1m_mv TO {db}.call_verdicts_1m AS
SELECT
    toStartOfMinute(v.timestamp) AS minute,
    v.service AS service, v.provider AS provider, v.model AS model, v.route AS route,
    countIf(v.status = 'ok' AND (v.failed = 1 OR empty(v.unsure_evaluators))) AS scored,
    countIf(v.status = 'ok' AND v.failed = 1) AS failed,
    countIf(v.status = 'ok' AND v.failed = 0 AND notEmpty(v.unsure_evaluators)) AS unsure,
    sumIf(v.sample_weight, v.status = 'ok' AND (v.failed = 1 OR empty(v.unsure_evaluators))) AS w_scored,
    sumIf(v.sample_weight, v.status = 'ok' AND v.failed = 1) AS w_failed,
    sumIf(v.sample_weight, v.status = 'ok' AND v.failed = 0 AND notEmpty(v.unsure_evaluators)) AS w_unsure
FROM {db}.call_verdicts AS v
GROUP BY minute, service, provider, model, route;
