-- Agents and tools as dimensions (issue 14). A score row carries the agent that made the call and
-- the tool its verdict is about (`tool_call_valid`, `tool_loop`: the tool named in the reason, else
-- the call's first tool); a verdict row carries the agent and the conversation. Rows written
-- before this migration read with '' (no agent, no tool, no conversation).
ALTER TABLE {db}.llm_scores
    ADD COLUMN IF NOT EXISTS agent_name LowCardinality(String) DEFAULT '' AFTER route,
    ADD COLUMN IF NOT EXISTS tool LowCardinality(String) DEFAULT '' AFTER agent_name;

ALTER TABLE {db}.call_verdicts
    ADD COLUMN IF NOT EXISTS agent_name LowCardinality(String) DEFAULT '' AFTER route,
    ADD COLUMN IF NOT EXISTS conversation_id String DEFAULT '' CODEC(ZSTD(1)) AFTER agent_name;

-- Per-minute rollups of agent traffic only (a row with an agent or a tool), so alert rules and
-- panels can split by agent and tool without widening the sort keys of the main rollups (which an
-- ALTER cannot do for existing columns) or doubling them for calls that are not agents'.
-- Same columns and sure-verdict rules as llm_scores_1m (0005).
CREATE TABLE IF NOT EXISTS {db}.llm_scores_agent_1m
(
    minute          DateTime('UTC') CODEC(Delta, ZSTD(1)),
    service         LowCardinality(String),
    provider        LowCardinality(String),
    model           LowCardinality(String),
    route           LowCardinality(String),
    agent_name      LowCardinality(String),
    tool            LowCardinality(String),
    evaluator       LowCardinality(String),
    kind            LowCardinality(String),
    n               SimpleAggregateFunction(sum, UInt64),
    passes          SimpleAggregateFunction(sum, UInt64),
    unsure          SimpleAggregateFunction(sum, UInt64),
    score_sum       SimpleAggregateFunction(sum, Float64),
    score_sq        SimpleAggregateFunction(sum, Float64),
    w_n             SimpleAggregateFunction(sum, Float64),
    w_passes        SimpleAggregateFunction(sum, Float64),
    w_score_sum     SimpleAggregateFunction(sum, Float64),
    w_score_sq      SimpleAggregateFunction(sum, Float64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(minute)
ORDER BY (service, provider, route, agent_name, tool, evaluator, kind, model, minute)
TTL minute + INTERVAL {rollup_ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.llm_scores_agent_1m_mv TO {db}.llm_scores_agent_1m AS
SELECT
    toStartOfMinute(s.timestamp) AS minute,
    s.service AS service, s.provider AS provider, s.model AS model, s.route AS route,
    s.agent_name AS agent_name, s.tool AS tool, s.evaluator AS evaluator, s.kind AS kind,
    countIf(s.outcome != 'unsure') AS n,
    countIf(s.outcome = 'pass') AS passes,
    countIf(s.outcome = 'unsure') AS unsure,
    sumIf(s.score, s.outcome != 'unsure') AS score_sum,
    sumIf(s.score * s.score, s.outcome != 'unsure') AS score_sq,
    sumIf(s.sample_weight, s.outcome != 'unsure') AS w_n,
    sumIf(s.sample_weight, s.outcome = 'pass') AS w_passes,
    sumIf(s.sample_weight * s.score, s.outcome != 'unsure') AS w_score_sum,
    sumIf(s.sample_weight * s.score * s.score, s.outcome != 'unsure') AS w_score_sq
FROM {db}.llm_scores AS s
WHERE s.agent_name != '' OR s.tool != ''
GROUP BY minute, service, provider, model, route, agent_name, tool, evaluator, kind;

CREATE TABLE IF NOT EXISTS {db}.call_verdicts_agent_1m
(
    minute      DateTime('UTC') CODEC(Delta, ZSTD(1)),
    service     LowCardinality(String),
    provider    LowCardinality(String),
    model       LowCardinality(String),
    route       LowCardinality(String),
    agent_name  LowCardinality(String),
    scored      SimpleAggregateFunction(sum, UInt64),
    failed      SimpleAggregateFunction(sum, UInt64),
    unsure      SimpleAggregateFunction(sum, UInt64),
    w_scored    SimpleAggregateFunction(sum, Float64),
    w_failed    SimpleAggregateFunction(sum, Float64),
    w_unsure    SimpleAggregateFunction(sum, Float64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(minute)
ORDER BY (service, provider, route, agent_name, model, minute)
TTL minute + INTERVAL {rollup_ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.call_verdicts_agent_1m_mv TO {db}.call_verdicts_agent_1m AS
SELECT
    toStartOfMinute(v.timestamp) AS minute,
    v.service AS service, v.provider AS provider, v.model AS model, v.route AS route,
    v.agent_name AS agent_name,
    countIf(v.status = 'ok' AND (v.failed = 1 OR empty(v.unsure_evaluators))) AS scored,
    countIf(v.status = 'ok' AND v.failed = 1) AS failed,
    countIf(v.status = 'ok' AND v.failed = 0 AND notEmpty(v.unsure_evaluators)) AS unsure,
    sumIf(v.sample_weight, v.status = 'ok' AND (v.failed = 1 OR empty(v.unsure_evaluators))) AS w_scored,
    sumIf(v.sample_weight, v.status = 'ok' AND v.failed = 1) AS w_failed,
    sumIf(v.sample_weight, v.status = 'ok' AND v.failed = 0 AND notEmpty(v.unsure_evaluators)) AS w_unsure
FROM {db}.call_verdicts AS v
WHERE v.agent_name != ''
GROUP BY minute, service, provider, model, route, agent_name;
