/**
 * The canonical record of one LLM call: what every convention mapper produces, what the
 * collector writes to `assay.llm_calls`, and what evaluators read back. Column names are the
 * data contract of `../shared/DESIGN.md`; a change here is a new migration, never an edit.
 */
export interface LlmCall {
  /** Span start, whole milliseconds since the Unix epoch (DateTime64(3) takes integer ticks). */
  timestamp: number;
  /** 32 lower-case hex characters. */
  trace_id: string;
  /** 16 lower-case hex characters. */
  span_id: string;
  /** Empty string for a root span. */
  parent_span_id: string;
  /** `service.name` of the resource that emitted the span. */
  service: string;
  /** `deployment.environment.name` (or the older `deployment.environment`), else ''. */
  environment: string;
  /** Normalised provider (`openai`, `azure.ai.openai`, `anthropic`, …), '' when unknown. */
  provider: string;
  /** The model that answered (response model), else the requested one. */
  model: string;
  /** The model that was asked for. */
  request_model: string;
  /** Resolved route: app label, ancestor SERVER span's `http.route`, or the fallback. */
  route: string;
  /** Where `route` came from: `attribute`, `server_span`, `root_span`, `fallback`. */
  route_source: RouteSource;
  /** `chat`, `text_completion`, `generate_content`, … */
  operation: string;
  status: 'ok' | 'error';
  /** `error.type`, exception type or status message class; '' when ok. */
  error_type: string;
  /** Normalised finish reason (`stop`, `length`, `tool_call`, `content_filter`, `error`, `other`, ''). */
  finish_reason: string;
  input_tokens: number;
  output_tokens: number;
  /** USD from the price table; null when the model has no known price (never a guess). */
  cost_usd: number | null;
  duration_ms: number;
  /** Messages flattened with roles, redacted and truncated. */
  prompt: string;
  /** Answer text, redacted and truncated. */
  response: string;
  /** Which convention it was read with: `otel_genai`, `openinference`, `openllmetry`, `vercel_ai`, `genkit`. */
  convention: Convention;
  /** 1 when the sampler queued this call for evaluation. */
  sampled: 0 | 1;
  /** Conversation, session or thread id (`gen_ai.conversation.id`, `session.id`, …), else ''. */
  conversation_id: string;
  /** End user (`user.id`, `enduser.id`, …), else ''. */
  user_id: string;
  /** Agent that made the call (`gen_ai.agent.name`, OpenInference `agent.name`, …), else ''. */
  agent_name: string;
  /**
   * Tool calls of the answer as a JSON array `[{"name","arguments"}]` (arguments as the model
   * wrote them, redacted; names only when content capture is off); '' when the answer has none.
   */
  tool_calls: string;
  /**
   * Tools offered to the model as a JSON array `[{"name","description","parameters"}]`,
   * whatever convention carried them; '' when none.
   */
  tool_definitions: string;
  /** Input tokens read from a prompt cache (included in `input_tokens`). */
  cached_input_tokens: number;
  /** Input tokens written to a prompt cache (Anthropic, Bedrock). */
  cache_write_tokens: number;
  /** Reasoning tokens (included in `output_tokens`). */
  reasoning_tokens: number;
  /** Time to the first streamed chunk in ms, when the producer records it; null otherwise. */
  time_to_first_token_ms: number | null;
  /** Request parameters; null when the span does not say. */
  temperature: number | null;
  max_tokens: number | null;
  top_p: number | null;
  /**
   * Content filtering: `filtered` when the answer was cut by a filter (finish reason
   * `content_filter`), else the guardrail result a producer recorded, else ''.
   */
  content_filter: string;
  /** 1 when `input_tokens`/`output_tokens` (and so `cost_usd`) were estimated, not reported. */
  tokens_estimated: 0 | 1;
  /** The provider's id of the response (`gen_ai.response.id`: `chatcmpl-…`, `msg_…`), else '' (migration 0012). */
  response_id: string;
}

export type RouteSource = 'attribute' | 'server_span' | 'root_span' | 'fallback';

export type Convention = 'otel_genai' | 'openinference' | 'openllmetry' | 'vercel_ai' | 'genkit';

/** The key that identifies a call everywhere (job ids, score rows, dedup). */
export function callKey(call: Pick<LlmCall, 'trace_id' | 'span_id'>): string {
  return `${call.trace_id}-${call.span_id}`;
}

/** The columns of migration 0006 as a call without any of them reads (the column defaults). */
export const NO_CALL_DETAILS = {
  conversation_id: '',
  user_id: '',
  agent_name: '',
  tool_calls: '',
  tool_definitions: '',
  cached_input_tokens: 0,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
  time_to_first_token_ms: null,
  temperature: null,
  max_tokens: null,
  top_p: null,
  content_filter: '',
  tokens_estimated: 0,
  response_id: '',
} as const satisfies Partial<LlmCall>;
