-- One row per alert state change (firing / resolved), plus pending and reminders for history.
CREATE TABLE IF NOT EXISTS {db}.alerts
(
    timestamp    DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    fingerprint  String,
    rule         LowCardinality(String),
    state        LowCardinality(String),
    severity     LowCardinality(String),
    metric       LowCardinality(String),
    service      LowCardinality(String),
    provider     LowCardinality(String),
    model        LowCardinality(String),
    route        LowCardinality(String),
    evaluator    LowCardinality(String),
    value        Float64,
    baseline     Float64,
    p_value      Float64,
    sample_size  UInt64,
    baseline_size UInt64,
    summary      String CODEC(ZSTD(3)),
    labels       Map(LowCardinality(String), String),
    annotations  Map(LowCardinality(String), String)
)
ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(timestamp)
ORDER BY (rule, fingerprint, timestamp)
SETTINGS non_replicated_deduplication_window = 10000;

-- Every notification delivery attempt, for "did on-call actually get paged?".
CREATE TABLE IF NOT EXISTS {db}.alert_deliveries
(
    timestamp    DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    fingerprint  String,
    channel      LowCardinality(String),
    channel_type LowCardinality(String),
    state        LowCardinality(String),
    attempt      UInt16,
    outcome      LowCardinality(String),
    http_status  UInt16,
    error        String
)
ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(timestamp)
ORDER BY (channel, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY;
