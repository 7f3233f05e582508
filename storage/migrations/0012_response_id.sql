-- The provider's response id of a call (`gen_ai.response.id`, the AI SDK's `ai.response.id`:
-- `chatcmpl-…`, `msg_…`, `resp_…`), so a score that knows only the response — an offline
-- evaluator reading provider logs, a `gen_ai.evaluation.result` event without span context —
-- can be joined to its call (issue 13). Rows written before this migration read with ''.
ALTER TABLE {db}.llm_calls
    ADD COLUMN IF NOT EXISTS response_id String DEFAULT '' CODEC(ZSTD(1)) AFTER tokens_estimated;

-- Lookups by response id skip granules through a bloom filter, as trace ids do (0001). Parts
-- written before this statement get the index as they merge.
ALTER TABLE {db}.llm_calls
    ADD INDEX IF NOT EXISTS idx_response_id response_id TYPE bloom_filter(0.001) GRANULARITY 1;

-- A waiting score may name its call by response id alone (trace and span ids ''): the id is part
-- of the inbox's key, so two such scores of one evaluator are two rows. (No DEFAULT clause:
-- ClickHouse refuses a new sort-key column with a default expression; a String's is '' anyway.)
ALTER TABLE {db}.score_inbox
    ADD COLUMN IF NOT EXISTS response_id String CODEC(ZSTD(1)),
    MODIFY ORDER BY (trace_id, span_id, evaluator, evaluator_version, source, response_id);
