import type { Convention, LlmCall } from '../../core/llm-call.ts';
import { StatusCode, type Attributes, type Span } from '../span.ts';
import { str } from './attrs.ts';
import { contentFilterOf } from './content-filter.ts';
import { collectContent } from './convention.ts';
import {
  FIELD_KEYS,
  RESOURCE_KEYS,
  firstNumber,
  firstOf,
  firstReason,
  firstString,
  keysFor,
  type FieldName,
} from './fields.ts';
import { normaliseFinishReason } from './finish-reasons.ts';
import type { Content, Message } from './messages.ts';
import { FRAMEWORK_SYSTEMS, normaliseProvider, providerFromHost, providerFromModel } from './providers.ts';
import { conventionById } from './registry.ts';
import { toolCallsOf, toolDefinitionsOf, type ToolCall, type ToolDefinition } from './tool-details.ts';

/** Every `LlmCall` field that one span determines, plus its message content. */
export interface NormalisedCall extends Omit<
  LlmCall,
  | 'route'
  | 'route_source'
  | 'cost_usd'
  | 'sampled'
  | 'prompt'
  | 'response'
  | 'tool_calls'
  | 'tool_definitions'
  | 'tokens_estimated'
> {
  /** Route named explicitly on this span by one of `routeKeys` (first present wins), else null. */
  explicitRoute: string | null;
  /** System instructions (`gen_ai.system_instructions`, role=system input messages). */
  system: Message[];
  /** Input messages in order (non-system). */
  input: Message[];
  /** Answer messages, one per choice; tool calls rendered as `tool_call name({...})`. */
  output: Message[];
  /**
   * True when this convention/version carries message content only in log records (OTel
   * GenAI v1.28–v1.36), so the collector should wait for /v1/logs records for this span.
   */
  contentInLogs: boolean;
  /** Tool calls of the answer (from `output`), before redaction. */
  toolCalls: ToolCall[];
  /** Tools offered to the model. */
  toolDefinitions: ToolDefinition[];
}

/** Legacy `llm.request.type=completion` and OTel's `text_completion` are the same operation. */
const OPERATION_ALIASES: Record<string, string> = { completion: 'text_completion' };

const count = (attrs: Attributes, keys: readonly string[]): number =>
  Math.max(0, Math.round(firstNumber(attrs, keys) ?? 0));

/** A request parameter; null when absent (0 is a real temperature). */
const param = (attrs: Attributes, keys: readonly string[]): number | null => firstNumber(attrs, keys) ?? null;

/** Time to first chunk in ms: seconds keys first (OTel), then the AI SDK's ms keys. */
function timeToFirstToken(attrs: Attributes): number | null {
  const s = firstNumber(attrs, FIELD_KEYS.timeToFirstChunkS);
  if (s !== undefined && s >= 0) return s * 1000;
  const ms = firstNumber(attrs, FIELD_KEYS.timeToFirstChunkMs);
  return ms !== undefined && ms >= 0 ? ms : null;
}

/**
 * Input tokens per the spec include cached ones (reference §1.3, `anthropic.md` note [12]).
 * Raw Anthropic usage excludes them, and instrumentations that copy it (OpenLLMetry's
 * `cache_read_input_tokens`, AI SDK v5) report it that way. When the cache counts exceed the
 * reported input, the input cannot include them, so they are added; otherwise it is kept as is.
 */
function inputTokens(attrs: Attributes, keys: readonly string[], provider: string, cached: number): number {
  const input = count(attrs, keys);
  if (provider !== 'anthropic') return input;
  const cacheTotal = cached + count(attrs, FIELD_KEYS.cacheWriteTokens);
  return cacheTotal > input ? input + cacheTotal : input;
}

function errorType(span: Span): string {
  const fromAttr = firstString(span.attributes, FIELD_KEYS.errorType);
  if (fromAttr) return fromAttr;
  for (const ev of span.events) {
    const t = ev.name === 'exception' ? str(ev.attributes['exception.type']) : undefined;
    if (t) return t;
  }
  return 'error';
}

/** Splits role=system messages out of the input; system instructions come first. */
function splitSystem(content: Content): { system: Message[]; input: Message[] } {
  const input = content.input ?? [];
  return {
    system: [...(content.system ?? []), ...input.filter((m) => m.role === 'system')],
    input: input.filter((m) => m.role !== 'system'),
  };
}

/**
 * `server.address` of a known API host first (who answered), then the first provider key that
 * is not a framework's own name, then a provider prefix of the model id (reference §8.1).
 */
function providerOf(a: Attributes, requestModel: string): string {
  const host = firstString(a, FIELD_KEYS.serverAddress);
  const named = firstOf(a, FIELD_KEYS.provider, (v) => {
    const s = str(v);
    return s && !FRAMEWORK_SYSTEMS.has(s.trim().toLowerCase()) ? s : undefined;
  });
  if (named !== undefined || providerFromHost(host)) return normaliseProvider(named ?? '', host);
  return providerFromModel(requestModel) ?? '';
}

/** Longest response id kept: providers' ids are 30-60 characters; a longer value is not one. */
const MAX_RESPONSE_ID_CHARS = 256;

/** Reads one LLM-call span (already classified) into the canonical fields. */
export function normaliseSpan(
  span: Span,
  convention: Convention,
  opts: { routeKeys: readonly string[] },
): NormalisedCall {
  const a = span.attributes;
  const def = conventionById(convention);
  const content = collectContent(span, def.content);
  const keys = (f: FieldName): readonly string[] => keysFor(convention, f);
  const requestModel = firstString(a, keys('requestModel')) ?? '';
  const provider = providerOf(a, requestModel);
  const operation = firstString(a, FIELD_KEYS.operation) ?? def.defaultOperation;
  const isError = span.status.code === StatusCode.ERROR;
  const cached = count(a, keys('cachedInputTokens'));
  const reason = firstOf(a, FIELD_KEYS.finishReason, firstReason) ?? content.finishReason ?? '';
  const finishReason = normaliseFinishReason(reason);
  const res = span.resource.attributes;
  const output = content.output ?? [];
  const maxTokens = param(a, keys('maxTokens'));
  return {
    timestamp: span.startTimeMs,
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    service: firstString(res, RESOURCE_KEYS.service) ?? 'unknown_service',
    environment: firstString(res, RESOURCE_KEYS.environment) ?? '',
    provider,
    model: firstString(a, keys('responseModel')) ?? requestModel,
    request_model: requestModel,
    operation: OPERATION_ALIASES[operation] ?? operation,
    status: isError ? 'error' : 'ok',
    error_type: isError ? errorType(span) : '',
    finish_reason: finishReason,
    input_tokens: inputTokens(a, keys('inputTokens'), provider, cached),
    output_tokens: count(a, keys('outputTokens')),
    duration_ms: Math.max(0, span.endTimeMs - span.startTimeMs),
    convention,
    explicitRoute: firstString(a, opts.routeKeys) ?? null,
    ...splitSystem(content),
    output,
    contentInLogs: def.contentInLogs(span, content),
    conversation_id: firstString(a, keys('conversationId')) ?? '',
    user_id: firstString(a, FIELD_KEYS.userId) ?? '',
    agent_name: firstString(a, FIELD_KEYS.agentName) ?? '',
    response_id: (firstString(a, FIELD_KEYS.responseId) ?? '').slice(0, MAX_RESPONSE_ID_CHARS),
    toolCalls: toolCallsOf(output),
    toolDefinitions: toolDefinitionsOf(a, keys('toolDefinitions')),
    cached_input_tokens: cached,
    cache_write_tokens: count(a, FIELD_KEYS.cacheWriteTokens),
    reasoning_tokens: count(a, keys('reasoningTokens')),
    time_to_first_token_ms: timeToFirstToken(a),
    temperature: param(a, keys('temperature')),
    max_tokens: maxTokens === null || maxTokens < 0 ? null : Math.round(maxTokens),
    top_p: param(a, keys('topP')),
    content_filter: contentFilterOf(a, finishReason, span.events),
  };
}
