import type { LlmCall, RouteSource } from '../core/llm-call.ts';
import type { CollectorConfig } from './config.ts';
import { flattenMessages, type NormalisedCall } from './conventions/index.ts';
import { toolCallsJson, toolDefinitionsJson } from './conventions/tool-details.ts';
import type { Pricer } from './normalise/pricing.ts';
import { truncateText } from './normalise/redaction.ts';
import { estimateCallTokens } from './normalise/token-estimate.ts';

export interface FinishDeps {
  config: CollectorConfig;
  /** USD for the call, or null when the model has no known price. */
  price: Pricer;
  /** Applied to prompt and response before storage (identity when redaction is off). */
  redact: (text: string) => string;
  /** Decides whether the call is queued for evaluation; absent → never sampled. */
  sample?: (call: LlmCall) => boolean;
}

/** Turns a normalised call and its resolved route into the stored record. */
export function finishCall(
  call: NormalisedCall,
  route: { route: string; source: RouteSource },
  deps: FinishDeps,
): LlmCall {
  const { capture, max_chars } = deps.config.content;
  const text = (s: string): string => (capture && s ? truncateText(deps.redact(s), max_chars) : '');
  const promptFull = flattenMessages([...call.system, ...call.input]);
  const responseFull = flattenResponse(call);
  const prompt = text(promptFull);
  const response = text(responseFull);
  const tokens = tokensOf(call, deps.config.tokens.estimate, {
    prompt: capture ? prompt : truncateText(promptFull, max_chars),
    promptFull,
    response: capture ? response : truncateText(responseFull, max_chars),
    responseFull,
  });
  const record: LlmCall = {
    timestamp: Math.round(call.timestamp),
    trace_id: call.trace_id,
    span_id: call.span_id,
    parent_span_id: call.parent_span_id,
    service: call.service,
    environment: call.environment,
    provider: call.provider,
    model: call.model,
    request_model: call.request_model,
    route: route.route,
    route_source: route.source,
    operation: call.operation,
    status: call.status,
    error_type: call.error_type,
    finish_reason: call.finish_reason,
    input_tokens: tokens.input,
    output_tokens: tokens.output,
    cost_usd: deps.price(call.model || call.request_model, call.provider, tokens.input, tokens.output, {
      cachedInputTokens: call.cached_input_tokens,
      cacheWriteTokens: call.cache_write_tokens,
      reasoningTokens: call.reasoning_tokens,
    }),
    duration_ms: call.duration_ms,
    prompt,
    response,
    convention: call.convention,
    sampled: 0,
    conversation_id: call.conversation_id,
    user_id: call.user_id,
    agent_name: call.agent_name,
    tool_calls: toolCallsJson(call.toolCalls, capture, (s) => truncateText(deps.redact(s), max_chars)),
    tool_definitions: toolDefinitionsJson(call.toolDefinitions, capture, max_chars),
    cached_input_tokens: call.cached_input_tokens,
    cache_write_tokens: call.cache_write_tokens,
    reasoning_tokens: call.reasoning_tokens,
    time_to_first_token_ms: call.time_to_first_token_ms,
    temperature: call.temperature,
    max_tokens: call.max_tokens,
    top_p: call.top_p,
    content_filter: call.content_filter,
    tokens_estimated: tokens.estimated ? 1 : 0,
    response_id: call.response_id,
  };
  if (deps.sample?.(record)) record.sampled = 1;
  return record;
}

/**
 * The call's token counts; where the span reported none (streams of some instrumentations,
 * `contentInLogs` producers), estimated from the text (`token-estimate.ts`). Only a missing side
 * is estimated, only for a call that answered, and only from the truncated text (so a long
 * prompt costs no more to count than `content.max_chars`), scaled back to the full length.
 * With `collector.tokens.estimate` off the reported counts are kept as they are.
 */
function tokensOf(
  call: NormalisedCall,
  estimate: boolean,
  text: { prompt: string; promptFull: string; response: string; responseFull: string },
): { input: number; output: number; estimated: boolean } {
  const needIn = call.input_tokens === 0 && text.promptFull !== '';
  const needOut = call.output_tokens === 0 && text.responseFull !== '';
  if (!estimate || call.status === 'error' || (!needIn && !needOut))
    return { input: call.input_tokens, output: call.output_tokens, estimated: false };
  const est = estimateCallTokens({
    model: call.model || call.request_model,
    prompt: needIn ? text.prompt : '',
    promptFullLength: text.promptFull.length,
    messages: call.system.length + call.input.length,
    response: needOut ? text.response : '',
    responseFullLength: text.responseFull.length,
  });
  return {
    input: needIn ? est.input : call.input_tokens,
    output: needOut ? est.output : call.output_tokens,
    estimated: true,
  };
}

/** A single assistant answer is stored as its bare text; several choices keep their roles. */
function flattenResponse(call: NormalisedCall): string {
  if (call.output.length === 1) return call.output[0]?.content ?? '';
  return flattenMessages(call.output);
}
