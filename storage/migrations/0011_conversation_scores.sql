-- Conversation-level judging (issue 14 part 4). A conversation (llm_calls.conversation_id within a
-- service) is closed when no call of it arrived for `judges.conversations.idle_timeout`; a closed,
-- sampled conversation is judged once as a whole, one row per (conversation, rubric version).
-- `timestamp` is the conversation's last call, so rollups count a conversation in the minute it
-- ended. Dimensions are the last call's (provider, model, route) and the last agent named.
-- `outcome`: 'pass' | 'fail' (a verdict), 'error' (the judge gave none: malformed, refused,
-- timeout) or 'not_applicable' (no judge rule, empty transcript); only verdicts reach the rollups,
-- the others are kept so the closer never asks again.
CREATE TABLE IF NOT EXISTS {db}.conversation_scores
(
    timestamp          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    started_at         DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    service            LowCardinality(String),
    conversation_id    String CODEC(ZSTD(1)),
    provider           LowCardinality(String),
    model              LowCardinality(String),
    route              LowCardinality(String),
    agent_name         LowCardinality(String),
    trace_id           String CODEC(ZSTD(1)),
    trace_ids          Array(String) CODEC(ZSTD(1)),
    turns              UInt32,
    truncated          UInt8,
    evaluator          LowCardinality(String),
    evaluator_version  LowCardinality(String),
    score              Float64,
    passed             UInt8,
    outcome            LowCardinality(String),
    reason             String CODEC(ZSTD(3)),
    judge_model        LowCardinality(String),
    input_tokens       UInt32,
    output_tokens      UInt32,
    cost_usd           Float64,
    sample_weight      Float64,
    scored_at          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))
)
ENGINE = {engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY (service, conversation_id, evaluator, timestamp)
TTL toDateTime(timestamp) + INTERVAL {ttl_days} DAY
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Per-minute rollup of conversation verdicts by (service, provider, model, route, agent, evaluator),
-- the columns of llm_scores_1m's sure verdicts, weighted by sample_weight (1/p).
CREATE TABLE IF NOT EXISTS {db}.conversation_scores_1m
(
    minute          DateTime('UTC') CODEC(Delta, ZSTD(1)),
    service         LowCardinality(String),
    provider        LowCardinality(String),
    model           LowCardinality(String),
    route           LowCardinality(String),
    agent_name      LowCardinality(String),
    evaluator       LowCardinality(String),
    n               SimpleAggregateFunction(sum, UInt64),
    passes          SimpleAggregateFunction(sum, UInt64),
    score_sum       SimpleAggregateFunction(sum, Float64),
    score_sq        SimpleAggregateFunction(sum, Float64),
    w_n             SimpleAggregateFunction(sum, Float64),
    w_passes        SimpleAggregateFunction(sum, Float64),
    w_score_sum     SimpleAggregateFunction(sum, Float64),
    w_score_sq      SimpleAggregateFunction(sum, Float64),
    cost_usd        SimpleAggregateFunction(sum, Float64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(minute)
ORDER BY (service, provider, route, agent_name, evaluator, model, minute)
TTL minute + INTERVAL {rollup_ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.conversation_scores_1m_mv TO {db}.conversation_scores_1m AS
SELECT
    toStartOfMinute(s.timestamp) AS minute,
    s.service AS service, s.provider AS provider, s.model AS model, s.route AS route,
    s.agent_name AS agent_name, s.evaluator AS evaluator,
    countIf(s.outcome IN ('pass', 'fail')) AS n,
    countIf(s.outcome = 'pass') AS passes,
    sumIf(s.score, s.outcome IN ('pass', 'fail')) AS score_sum,
    sumIf(s.score * s.score, s.outcome IN ('pass', 'fail')) AS score_sq,
    sumIf(s.sample_weight, s.outcome IN ('pass', 'fail')) AS w_n,
    sumIf(s.sample_weight, s.outcome = 'pass') AS w_passes,
    sumIf(s.sample_weight * s.score, s.outcome IN ('pass', 'fail')) AS w_score_sum,
    sumIf(s.sample_weight * s.score * s.score, s.outcome IN ('pass', 'fail')) AS w_score_sq,
    sum(s.cost_usd) AS cost_usd
FROM {db}.conversation_scores AS s
GROUP BY minute, service, provider, model, route, agent_name, evaluator;
