-- Scores from outside Assay (issue 13): other evaluators' verdicts (`kind = 'external'`), posted
-- to `POST /v1/scores` or sent as OpenTelemetry `gen_ai.evaluation.result` log records, and
-- end-user feedback (`kind = 'feedback'`). They go into `llm_scores` beside Assay's own, so the
-- rollups, dashboards and alert rules read them unchanged. `source` names who scored (a team's
-- evaluation service, `otel`, `user`) and is part of the idempotency key (call, evaluator,
-- evaluator_version, source); `label` keeps a categorical verdict (`relevant`, `thumbs_down`).
-- Rows written before this migration read as Assay's own: source '' and label ''.
ALTER TABLE {db}.llm_scores
    ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER kind,
    ADD COLUMN IF NOT EXISTS label String DEFAULT '' CODEC(ZSTD(1)) AFTER outcome;

-- Scores whose call is not stored yet (a thumbs-up sent seconds after the answer, before the
-- span was written). They are kept here, durable before the API answers 200, and a resolver in
-- the collector moves each to `llm_scores` once its call is found ('resolved'); one still
-- without a call after `collector.scores.resolve_wait` is marked 'orphaned' and stays here
-- (counted, never in the rollups: it has no provider or route). The newest state of a key
-- wins (ReplacingMergeTree on `version`: pending 1, resolved/orphaned 2), so a score posted
-- again after it was resolved is not resolved twice.
CREATE TABLE IF NOT EXISTS {db}.score_inbox
(
    received_at        DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    trace_id           String CODEC(ZSTD(1)),
    span_id            String CODEC(ZSTD(1)),
    evaluator          LowCardinality(String),
    evaluator_version  LowCardinality(String),
    kind               LowCardinality(String),
    source             LowCardinality(String),
    score              Float64,
    passed             UInt8,
    outcome            LowCardinality(String),
    label              String CODEC(ZSTD(1)),
    reason             String CODEC(ZSTD(3)),
    state              LowCardinality(String),
    version            UInt8
)
ENGINE = {engine:ReplacingMergeTree(version)}
ORDER BY (trace_id, span_id, evaluator, evaluator_version, source)
TTL toDateTime(received_at) + INTERVAL {ttl_days} DAY
SETTINGS non_replicated_deduplication_window = 10000;
