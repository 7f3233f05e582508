import type { LlmCall } from '../core/llm-call.ts';
import { rowBinary, type RowBinaryColumn } from './row-binary.ts';

/**
 * `assay.llm_calls` rows as RowBinary, columns in table order (migration 0001, then 0006 and 0012). The collector
 * writes every call this way: most of a row is prompt and answer text, which RowBinary copies
 * as bytes where JSONEachRow would escape it. A test compares this list with the table.
 */
const COLUMNS: RowBinaryColumn<LlmCall>[] = [
  ['timestamp', 'DateTime64(3)'],
  ['trace_id', 'String'],
  ['span_id', 'String'],
  ['parent_span_id', 'String'],
  ['service', 'String'],
  ['environment', 'String'],
  ['provider', 'String'],
  ['model', 'String'],
  ['request_model', 'String'],
  ['route', 'String'],
  ['route_source', 'String'],
  ['operation', 'String'],
  ['status', 'String'],
  ['error_type', 'String'],
  ['finish_reason', 'String'],
  ['input_tokens', 'UInt32'],
  ['output_tokens', 'UInt32'],
  ['cost_usd', 'Nullable(Float64)'],
  ['duration_ms', 'Float64'],
  ['prompt', 'String'],
  ['response', 'String'],
  ['convention', 'String'],
  ['sampled', 'UInt8'],
  ['conversation_id', 'String'],
  ['user_id', 'String'],
  ['agent_name', 'String'],
  ['tool_calls', 'String'],
  ['tool_definitions', 'String'],
  ['cached_input_tokens', 'UInt32'],
  ['cache_write_tokens', 'UInt32'],
  ['reasoning_tokens', 'UInt32'],
  ['time_to_first_token_ms', 'Nullable(Float64)'],
  ['temperature', 'Nullable(Float64)'],
  ['max_tokens', 'Nullable(UInt32)'],
  ['top_p', 'Nullable(Float64)'],
  ['content_filter', 'String'],
  ['tokens_estimated', 'UInt8'],
  ['response_id', 'String'],
];

/**
 * The RowBinary format of `llm_calls`. Batches spooled before spool files recorded their column
 * list were written with every column up to migration 0012: their replay inserts those and lets
 * `response_id` default.
 */
export const llmCallsFormat = rowBinary<LlmCall>(COLUMNS, {
  unrecordedColumns: COLUMNS.slice(0, -1).map(([name]) => name),
});
