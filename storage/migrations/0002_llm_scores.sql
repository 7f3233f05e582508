-- One row per (call, evaluator). The call's dimensions are denormalised so no join is needed.
CREATE TABLE IF NOT EXISTS {db}.llm_scores
(
    timestamp          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id           String CODEC(ZSTD(1)),
    span_id            String CODEC(ZSTD(1)),
    service            LowCardinality(String),
    provider           LowCardinality(String),
    model              LowCardinality(String),
    route              LowCardinality(String),
    evaluator          LowCardinality(String),
    evaluator_version  LowCardinality(String),
    kind               LowCardinality(String),
    score              Float64,
    passed             UInt8,
    reason             String CODEC(ZSTD(3)),
    judge_model        LowCardinality(String),
    input_tokens       UInt32,
    output_tokens      UInt32,
    cost_usd           Float64,
    sample_weight      Float64,
    scored_at          DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = {engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY (service, provider, route, evaluator, timestamp)
TTL toDateTime(timestamp) + INTERVAL {ttl_days} DAY
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Per-minute rollup by (service, provider, model, route, evaluator), keyed by the call's time.
-- `w_*` columns are weighted by sample_weight (1/p) so sampled rates can be re-weighted.
CREATE TABLE IF NOT EXISTS {db}.llm_scores_1m
(
    minute          DateTime('UTC') CODEC(Delta, ZSTD(1)),
    service         LowCardinality(String),
    provider        LowCardinality(String),
    model           LowCardinality(String),
    route           LowCardinality(String),
    evaluator       LowCardinality(String),
    kind            LowCardinality(String),
    n               SimpleAggregateFunction(sum, UInt64),
    passes          SimpleAggregateFunction(sum, UInt64),
    score_sum       SimpleAggregateFunction(sum, Float64),
    score_sq        SimpleAggregateFunction(sum, Float64),
    w_n             SimpleAggregateFunction(sum, Float64),
    w_passes        SimpleAggregateFunction(sum, Float64),
    w_score_sum     SimpleAggregateFunction(sum, Float64),
    w_score_sq      SimpleAggregateFunction(sum, Float64),
    cost_usd        SimpleAggregateFunction(sum, Float64),
    input_tokens    SimpleAggregateFunction(sum, UInt64),
    output_tokens   SimpleAggregateFunction(sum, UInt64),
    score_q         AggregateFunction(quantilesTDigest(0.1, 0.5, 0.9), Float64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(minute)
ORDER BY (service, provider, route, evaluator, kind, model, minute)
TTL minute + INTERVAL {rollup_ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.llm_scores_1m_mv TO {db}.llm_scores_1m AS
SELECT
    toStartOfMinute(s.timestamp) AS minute,
    s.service AS service, s.provider AS provider, s.model AS model, s.route AS route,
    s.evaluator AS evaluator, s.kind AS kind,
    count() AS n,
    countIf(s.passed = 1) AS passes,
    sum(s.score) AS score_sum,
    sum(s.score * s.score) AS score_sq,
    sum(s.sample_weight) AS w_n,
    sumIf(s.sample_weight, s.passed = 1) AS w_passes,
    sum(s.sample_weight * s.score) AS w_score_sum,
    sum(s.sample_weight * s.score * s.score) AS w_score_sq,
    sum(s.cost_usd) AS cost_usd,
    sum(s.input_tokens) AS input_tokens,
    sum(s.output_tokens) AS output_tokens,
    quantilesTDigestState(0.1, 0.5, 0.9)(s.score) AS score_q
FROM {db}.llm_scores AS s
GROUP BY minute, service, provider, model, route, evaluator, kind;

-- Per-minute, per-call verdicts: a call "failed semantically" when its status was ok and any
-- check or judge failed. One row per scored call and minute lets the semantic failure rate be
-- computed from (calls with any failure) / (calls scored) without reading raw scores.
CREATE TABLE IF NOT EXISTS {db}.call_verdicts
(
    timestamp   DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id    String CODEC(ZSTD(1)),
    span_id     String CODEC(ZSTD(1)),
    service     LowCardinality(String),
    provider    LowCardinality(String),
    model       LowCardinality(String),
    route       LowCardinality(String),
    status      LowCardinality(String),
    failed      UInt8,
    failed_evaluators Array(LowCardinality(String)),
    sample_weight Float64
)
ENGINE = {engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY (service, provider, route, timestamp)
TTL toDateTime(timestamp) + INTERVAL {ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db}.call_verdicts_1m
(
    minute      DateTime('UTC') CODEC(Delta, ZSTD(1)),
    service     LowCardinality(String),
    provider    LowCardinality(String),
    model       LowCardinality(String),
    route       LowCardinality(String),
    scored      SimpleAggregateFunction(sum, UInt64),
    failed      SimpleAggregateFunction(sum, UInt64),
    w_scored    SimpleAggregateFunction(sum, Float64),
    w_failed    SimpleAggregateFunction(sum, Float64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(minute)
ORDER BY (service, provider, route, model, minute)
TTL minute + INTERVAL {rollup_ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.call_verdicts_1m_mv TO {db}.call_verdicts_1m AS
SELECT
    toStartOfMinute(v.timestamp) AS minute,
    v.service AS service, v.provider AS provider, v.model AS model, v.route AS route,
    countIf(v.status = 'ok') AS scored,
    countIf(v.status = 'ok' AND v.failed = 1) AS failed,
    sumIf(v.sample_weight, v.status = 'ok') AS w_scored,
    sumIf(v.sample_weight, v.status = 'ok' AND v.failed = 1) AS w_failed
FROM {db}.call_verdicts AS v
GROUP BY minute, service, provider, model, route;
