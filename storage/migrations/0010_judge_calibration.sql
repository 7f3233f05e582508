-- Judges that are checked (issue 13): one row per calibration run of one judge model on one
-- rubric's golden set. The worker judges the set again at start when the judge config changed
-- and every `judges.calibration.interval`; the alerter's `judge_kappa` rules read the newest
-- two runs per (judge_model, evaluator) and page on a drop ("judge drift").
-- `kappa` is Cohen's kappa of the judge's verdicts against the set's expected ones (NULL when
-- undefined: both gave one verdict to every item); `feedback_*` compare the judge with end-user
-- feedback on live calls that have both (NULL without such calls); `position_bias` is the share
-- of pairwise items whose verdict changes when the two candidates swap places (NULL: the rubric
-- judges one answer, not two).
CREATE TABLE IF NOT EXISTS {db}.judge_calibration
(
    run_at                  DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    run_id                  String,
    trigger                 LowCardinality(String),
    config_hash             String,
    endpoint                LowCardinality(String),
    judge_model             LowCardinality(String),
    rubric                  LowCardinality(String),
    evaluator               LowCardinality(String),
    rubric_version          LowCardinality(String),
    golden_set              LowCardinality(String),
    golden_hash             String,
    items                   UInt32,
    n                       UInt32,
    failed                  UInt32,
    raw_agreement           Nullable(Float64),
    kappa                   Nullable(Float64),
    feedback_n              UInt32,
    feedback_raw_agreement  Nullable(Float64),
    feedback_kappa          Nullable(Float64),
    position_bias           Nullable(Float64),
    input_tokens            UInt64,
    output_tokens           UInt64,
    cost_usd                Float64
)
ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(run_at)
ORDER BY (judge_model, evaluator, run_at)
SETTINGS non_replicated_deduplication_window = 10000;
