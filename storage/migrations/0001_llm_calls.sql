-- One row per LLM call (inference span). The data contract of DESIGN.md.
-- {db}, {ttl_days}, {cluster} and the engine placeholders are filled in by storage/migrate.ts.
CREATE TABLE IF NOT EXISTS {db}.llm_calls
(
    timestamp       DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id        String CODEC(ZSTD(1)),
    span_id         String CODEC(ZSTD(1)),
    parent_span_id  String CODEC(ZSTD(1)),
    service         LowCardinality(String),
    environment     LowCardinality(String),
    provider        LowCardinality(String),
    model           LowCardinality(String),
    request_model   LowCardinality(String),
    route           LowCardinality(String),
    route_source    LowCardinality(String),
    operation       LowCardinality(String),
    status          LowCardinality(String),
    error_type      LowCardinality(String),
    finish_reason   LowCardinality(String),
    input_tokens    UInt32,
    output_tokens   UInt32,
    cost_usd        Nullable(Float64),
    duration_ms     Float64,
    prompt          String CODEC(ZSTD(3)),
    response        String CODEC(ZSTD(3)),
    convention      LowCardinality(String),
    sampled         UInt8,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = {engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY (service, provider, route, model, timestamp)
TTL toDateTime(timestamp) + INTERVAL {ttl_days} DAY
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

-- Per-minute rollup by (service, provider, model, route): counts, sums and sums of squares so
-- means and variances can be recomputed for any window, and quantile states for latency.
CREATE TABLE IF NOT EXISTS {db}.llm_calls_1m
(
    minute          DateTime('UTC') CODEC(Delta, ZSTD(1)),
    service         LowCardinality(String),
    provider        LowCardinality(String),
    model           LowCardinality(String),
    route           LowCardinality(String),
    calls           SimpleAggregateFunction(sum, UInt64),
    errors          SimpleAggregateFunction(sum, UInt64),
    sampled         SimpleAggregateFunction(sum, UInt64),
    input_tokens    SimpleAggregateFunction(sum, UInt64),
    output_tokens   SimpleAggregateFunction(sum, UInt64),
    tokens_sq       SimpleAggregateFunction(sum, Float64),
    cost_usd        SimpleAggregateFunction(sum, Float64),
    cost_sq         SimpleAggregateFunction(sum, Float64),
    priced_calls    SimpleAggregateFunction(sum, UInt64),
    duration_ms     SimpleAggregateFunction(sum, Float64),
    duration_sq     SimpleAggregateFunction(sum, Float64),
    latency_q       AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toYYYYMM(minute)
ORDER BY (service, provider, route, model, minute)
TTL minute + INTERVAL {rollup_ttl_days} DAY
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.llm_calls_1m_mv TO {db}.llm_calls_1m AS
SELECT
    toStartOfMinute(c.timestamp) AS minute,
    c.service AS service, c.provider AS provider, c.model AS model, c.route AS route,
    count() AS calls,
    countIf(c.status = 'error') AS errors,
    countIf(c.sampled = 1) AS sampled,
    sum(c.input_tokens) AS input_tokens,
    sum(c.output_tokens) AS output_tokens,
    sum(toFloat64(c.input_tokens + c.output_tokens) * (c.input_tokens + c.output_tokens)) AS tokens_sq,
    sum(ifNull(c.cost_usd, 0)) AS cost_usd,
    sum(ifNull(c.cost_usd, 0) * ifNull(c.cost_usd, 0)) AS cost_sq,
    countIf(c.cost_usd IS NOT NULL) AS priced_calls,
    sum(c.duration_ms) AS duration_ms,
    sum(c.duration_ms * c.duration_ms) AS duration_sq,
    quantilesTDigestState(0.5, 0.95, 0.99)(c.duration_ms) AS latency_q
FROM {db}.llm_calls AS c
GROUP BY minute, service, provider, model, route;
