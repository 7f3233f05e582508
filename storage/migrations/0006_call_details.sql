-- More of what a call says, as columns (issue 11): conversation, user and agent; the answer's
-- tool calls and the tools offered (JSON arrays, '' when none); cache and reasoning token
-- counts; time to first token of a stream; request parameters; content-filter outcome; and
-- whether the tokens (and so the cost) were estimated because the span reported none.
-- Rows written before this migration read with the defaults: '' / 0 / NULL ("not recorded").
-- Nullable where 0 is a real value (temperature 0, a 0 ms first chunk) or absence matters.
ALTER TABLE {db}.llm_calls
    ADD COLUMN IF NOT EXISTS conversation_id String DEFAULT '' CODEC(ZSTD(1)) AFTER sampled,
    ADD COLUMN IF NOT EXISTS user_id String DEFAULT '' CODEC(ZSTD(1)) AFTER conversation_id,
    ADD COLUMN IF NOT EXISTS agent_name LowCardinality(String) DEFAULT '' AFTER user_id,
    ADD COLUMN IF NOT EXISTS tool_calls String DEFAULT '' CODEC(ZSTD(3)) AFTER agent_name,
    ADD COLUMN IF NOT EXISTS tool_definitions String DEFAULT '' CODEC(ZSTD(3)) AFTER tool_calls,
    ADD COLUMN IF NOT EXISTS cached_input_tokens UInt32 DEFAULT 0 AFTER tool_definitions,
    ADD COLUMN IF NOT EXISTS cache_write_tokens UInt32 DEFAULT 0 AFTER cached_input_tokens,
    ADD COLUMN IF NOT EXISTS reasoning_tokens UInt32 DEFAULT 0 AFTER cache_write_tokens,
    ADD COLUMN IF NOT EXISTS time_to_first_token_ms Nullable(Float64) AFTER reasoning_tokens,
    ADD COLUMN IF NOT EXISTS temperature Nullable(Float64) AFTER time_to_first_token_ms,
    ADD COLUMN IF NOT EXISTS max_tokens Nullable(UInt32) AFTER temperature,
    ADD COLUMN IF NOT EXISTS top_p Nullable(Float64) AFTER max_tokens,
    ADD COLUMN IF NOT EXISTS content_filter LowCardinality(String) DEFAULT '' AFTER top_p,
    ADD COLUMN IF NOT EXISTS tokens_estimated UInt8 DEFAULT 0 AFTER content_filter;
