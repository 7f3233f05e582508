-- Assay's own metrics, snapshotted from each role's Prometheus registry every few seconds, so
-- the Pipeline health dashboard reads them from the same data source as everything else.
-- Counters are stored cumulative (per role and instance); dashboards take differences.
CREATE TABLE IF NOT EXISTS {db}.pipeline_metrics
(
    timestamp  DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    role       LowCardinality(String),
    instance   LowCardinality(String),
    metric     LowCardinality(String),
    labels     Map(LowCardinality(String), String),
    value      Float64
)
ENGINE = {engine:MergeTree}
PARTITION BY toDate(timestamp)
ORDER BY (metric, role, instance, timestamp)
TTL toDateTime(timestamp) + INTERVAL 14 DAY
SETTINGS ttl_only_drop_parts = 1;
