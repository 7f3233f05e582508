-- Re-evaluation (issue 13, `assay evaluate`): a call scored again by a new version of an evaluator
-- keeps its old row in llm_scores (so two versions can be compared on the same calls), and the
-- rollups count the newest only. When the worker's score writer stores a row whose (call,
-- evaluator) already has a row of another version, it copies the row it replaces here (once:
-- the writer looks up what is already here before it inserts). The views below subtract each copy
-- from the rollups, so llm_scores_1m and llm_scores_agent_1m — and every dashboard and alert rule
-- that reads them — hold the most recently written version of each (call, evaluator).
--
-- The counts are UInt64 sums: a copy adds 2^64 - k, which subtracts k once rows are summed or
-- merged (UInt64 arithmetic wraps). Read them with sum(), as every query here does. Spend and
-- tokens are not subtracted (the first scoring's judge spend was real), nor are the score quantile
-- states (`score_q` mixes versions where calls were re-scored).
CREATE TABLE IF NOT EXISTS {db}.llm_scores_superseded
(
    timestamp          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id           String CODEC(ZSTD(1)),
    span_id            String CODEC(ZSTD(1)),
    service            LowCardinality(String),
    provider           LowCardinality(String),
    model              LowCardinality(String),
    route              LowCardinality(String),
    agent_name         LowCardinality(String),
    tool               LowCardinality(String),
    evaluator          LowCardinality(String),
    evaluator_version  LowCardinality(String),
    kind               LowCardinality(String),
    score              Float64,
    outcome            LowCardinality(String),
    sample_weight      Float64,
    -- The version that replaced it, and when.
    superseded_by      LowCardinality(String),
    superseded_at      DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))
)
ENGINE = {engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY (trace_id, span_id, evaluator, evaluator_version)
TTL toDateTime(timestamp) + INTERVAL {ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.llm_scores_superseded_1m_mv TO {db}.llm_scores_1m AS
SELECT
    toStartOfMinute(s.timestamp) AS minute,
    s.service AS service, s.provider AS provider, s.model AS model, s.route AS route,
    s.evaluator AS evaluator, s.kind AS kind,
    toUInt64(0) - countIf(s.outcome != 'unsure') AS n,
    toUInt64(0) - countIf(s.outcome = 'pass') AS passes,
    toUInt64(0) - countIf(s.outcome = 'unsure') AS unsure,
    -sumIf(s.score, s.outcome != 'unsure') AS score_sum,
    -sumIf(s.score * s.score, s.outcome != 'unsure') AS score_sq,
    -sumIf(s.sample_weight, s.outcome != 'unsure') AS w_n,
    -sumIf(s.sample_weight, s.outcome = 'pass') AS w_passes,
    -sumIf(s.sample_weight * s.score, s.outcome != 'unsure') AS w_score_sum,
    -sumIf(s.sample_weight * s.score * s.score, s.outcome != 'unsure') AS w_score_sq,
    toFloat64(0) AS cost_usd,
    toUInt64(0) AS input_tokens,
    toUInt64(0) AS output_tokens,
    quantilesTDigestStateIf(0.1, 0.5, 0.9)(s.score, 0) AS score_q
FROM {db}.llm_scores_superseded AS s
GROUP BY minute, service, provider, model, route, evaluator, kind;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.llm_scores_superseded_agent_1m_mv TO {db}.llm_scores_agent_1m AS
SELECT
    toStartOfMinute(s.timestamp) AS minute,
    s.service AS service, s.provider AS provider, s.model AS model, s.route AS route,
    s.agent_name AS agent_name, s.tool AS tool, s.evaluator AS evaluator, s.kind AS kind,
    toUInt64(0) - countIf(s.outcome != 'unsure') AS n,
    toUInt64(0) - countIf(s.outcome = 'pass') AS passes,
    toUInt64(0) - countIf(s.outcome = 'unsure') AS unsure,
    -sumIf(s.score, s.outcome != 'unsure') AS score_sum,
    -sumIf(s.score * s.score, s.outcome != 'unsure') AS score_sq,
    -sumIf(s.sample_weight, s.outcome != 'unsure') AS w_n,
    -sumIf(s.sample_weight, s.outcome = 'pass') AS w_passes,
    -sumIf(s.sample_weight * s.score, s.outcome != 'unsure') AS w_score_sum,
    -sumIf(s.sample_weight * s.score * s.score, s.outcome != 'unsure') AS w_score_sq
FROM {db}.llm_scores_superseded AS s
WHERE s.agent_name != '' OR s.tool != ''
GROUP BY minute, service, provider, model, route, agent_name, tool, evaluator, kind;
