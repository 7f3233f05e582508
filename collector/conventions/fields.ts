import type { Convention } from '../../core/llm-call.ts';
import type { AttrValue, Attributes } from '../span.ts';
import { field, num, parseJson, str } from './attrs.ts';

/**
 * The consolidated mapping of `reference/otel-genai-conventions.md` §8: for each canonical
 * field, the attribute keys that carry it in precedence order (first present wins), across
 * OTel GenAI (current, then deprecated names), OpenInference, OpenLLMetry and the Vercel AI
 * SDK. A renamed or newly seen key is one line here plus a fixture in `testdata/`.
 *
 * `key#name` reads `name` from the JSON object in attribute `key` (OpenInference keeps request
 * parameters in `llm.invocation_parameters`); `key#a.b` reads a nested member (Genkit keeps
 * usage in `genkit:output`, `{usage: {inputTokens}}`).
 */
export const FIELD_KEYS = {
  /** Provider: normalised afterwards with `normaliseProvider`. */
  provider: ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'ai.model.provider'],
  /** Model asked for. */
  requestModel: [
    'gen_ai.request.model',
    'llm.request.model_name',
    'llm.invocation_parameters#model',
    'llm.model_name',
    'ai.model.id',
  ],
  /** Model that answered; falls back to the requested model. */
  responseModel: ['gen_ai.response.model', 'llm.response.model_name', 'llm.model_name', 'ai.response.model'],
  /** `chat`, `text_completion`, …; a convention module supplies the default. */
  operation: ['gen_ai.operation.name', 'llm.request.type'],
  inputTokens: [
    'gen_ai.usage.input_tokens',
    'gen_ai.usage.prompt_tokens',
    'llm.token_count.prompt',
    'ai.usage.inputTokens',
    'ai.usage.promptTokens',
  ],
  outputTokens: [
    'gen_ai.usage.output_tokens',
    'gen_ai.usage.completion_tokens',
    'llm.token_count.completion',
    'ai.usage.outputTokens',
    'ai.usage.completionTokens',
  ],
  cachedInputTokens: [
    'gen_ai.usage.cache_read.input_tokens',
    'gen_ai.usage.cache_read_input_tokens',
    'llm.token_count.prompt_details.cache_read',
    'ai.usage.cachedInputTokens',
    'ai.usage.inputTokenDetails.cacheReadTokens',
    'gen_ai.usage.details.cache_read_tokens',
    'gen_ai.usage.cached_tokens',
    // Mastra's OTel exporter (AI SDK's `cachedInputTokens`).
    'gen_ai.usage.cached_input_tokens',
  ],
  cacheWriteTokens: [
    'gen_ai.usage.cache_write.input_tokens',
    'gen_ai.usage.cache_creation.input_tokens',
    'gen_ai.usage.cache_creation_input_tokens',
    'llm.token_count.prompt_details.cache_write',
    'ai.usage.inputTokenDetails.cacheWriteTokens',
    'gen_ai.usage.cache_create_input_tokens',
    'gen_ai.usage.details.cache_write_tokens',
  ],
  reasoningTokens: [
    'gen_ai.usage.reasoning.output_tokens',
    'gen_ai.usage.reasoning_tokens',
    'llm.token_count.completion_details.reasoning',
    'ai.usage.reasoningTokens',
    'ai.usage.outputTokenDetails.reasoningTokens',
    'gen_ai.usage.details.reasoning_tokens',
  ],
  /** Raw finish reason; `gen_ai.response.finish_reasons` is an array (or its JSON): first entry. */
  finishReason: [
    'gen_ai.response.finish_reasons',
    'llm.finish_reason',
    'gen_ai.completion.0.finish_reason',
    'ai.response.finishReason',
    'ai.finishReason',
  ],
  errorType: ['error.type'],
  /** Conversation / session / thread (reference §8 "conversation / session"). */
  conversationId: [
    'gen_ai.conversation.id',
    'session.id',
    'traceloop.association.properties.session_id',
    'traceloop.association.properties.chat_id',
    'traceloop.association.properties.conversation_id',
    'ai.telemetry.metadata.sessionId',
    'gcp.vertex.agent.session_id',
    'langfuse.session.id',
  ],
  /** End user: OTel `user.id`/`enduser.id`, OpenInference `user.id`, the request's `user` field. */
  userId: [
    'user.id',
    'enduser.id',
    'traceloop.association.properties.user_id',
    'ai.telemetry.metadata.userId',
    'langfuse.user.id',
    'gen_ai.request.user',
    'llm.user',
  ],
  /** The provider's id of the response: OTel (also OpenLLMetry, Logfire), the AI SDK. */
  responseId: ['gen_ai.response.id', 'ai.response.id'],
  /** OTel agents, OpenInference `agent.name`, the OpenAI Agents SDK via Logfire (`agent_name`). */
  agentName: ['gen_ai.agent.name', 'agent.name', 'agent_name'],
  temperature: [
    'gen_ai.request.temperature',
    'llm.invocation_parameters#temperature',
    'ai.settings.temperature',
  ],
  maxTokens: [
    'gen_ai.request.max_tokens',
    'llm.invocation_parameters#max_tokens',
    'llm.invocation_parameters#max_completion_tokens',
    'llm.invocation_parameters#max_output_tokens',
    'ai.settings.maxOutputTokens',
    'ai.settings.maxTokens',
  ],
  topP: ['gen_ai.request.top_p', 'llm.invocation_parameters#top_p', 'llm.top_p', 'ai.settings.topP'],
  /** Time to first chunk in seconds: OTel v1.41, AI SDK v7 (as a span attribute). */
  timeToFirstChunkS: ['gen_ai.response.time_to_first_chunk', 'gen_ai.client.operation.time_to_first_chunk'],
  /**
   * The same in milliseconds: AI SDK legacy `doStream` spans (v4+, v3); Strands Agents writes
   * its model's `timeToFirstByteMs` as `gen_ai.server.time_to_first_token` (ms, not the
   * seconds of the OTel metric of that name).
   */
  timeToFirstChunkMs: [
    'ai.response.msToFirstChunk',
    'ai.stream.msToFirstChunk',
    'gen_ai.server.time_to_first_token',
  ],
  /** A guardrail's verdict on the call, as recorded. */
  guardrailResult: ['gen_ai.guardrail.result'],
  /**
   * Tool definitions offered to the model, as one JSON list (OTel v1.38+, AI SDK legacy, the
   * request parameters of OpenInference and Logfire v1). Flattened lists are in `tool-details.ts`.
   */
  toolDefinitions: [
    'gen_ai.tool.definitions',
    'ai.prompt.tools',
    'llm.invocation_parameters#tools',
    'request_data#tools',
  ],
  serverAddress: ['server.address'],
} as const satisfies Record<string, readonly string[]>;

/** Resource attributes, same rule. */
export const RESOURCE_KEYS = {
  service: ['service.name'],
  environment: ['deployment.environment.name', 'deployment.environment'],
} as const satisfies Record<string, readonly string[]>;

export type FieldName = keyof typeof FIELD_KEYS;

/**
 * Where a convention's own key must win over the shared order: an OpenInference span that also
 * carries `gen_ai.usage.*` (Google ADK 1.x wrote the total into `gen_ai.usage.output_tokens`
 * while `llm.token_count.completion` held the answer's count) is read by its own counts.
 */
const CONVENTION_KEYS: Partial<Record<Convention, Partial<Record<FieldName, readonly string[]>>>> = {
  openinference: {
    inputTokens: ['llm.token_count.prompt', ...FIELD_KEYS.inputTokens],
    outputTokens: ['llm.token_count.completion', ...FIELD_KEYS.outputTokens],
  },
  /**
   * Genkit model actions (`genkit.ts`): the action's name is the model (`googleai/gemini-2.5-flash`,
   * the provider read from its plugin prefix), the `GenerateRequest` in `genkit:input` holds the
   * parameters and tools, the `GenerateResponse` in `genkit:output` the usage (`GenerationUsage`).
   */
  genkit: {
    requestModel: ['genkit:name'],
    responseModel: [],
    inputTokens: ['genkit:output#usage.inputTokens'],
    outputTokens: ['genkit:output#usage.outputTokens'],
    cachedInputTokens: ['genkit:output#usage.cachedContentTokens'],
    reasoningTokens: ['genkit:output#usage.thoughtsTokens'],
    conversationId: ['genkit:sessionId', ...FIELD_KEYS.conversationId],
    temperature: ['genkit:input#config.temperature'],
    maxTokens: ['genkit:input#config.maxOutputTokens'],
    topP: ['genkit:input#config.topP'],
    toolDefinitions: ['genkit:input#tools'],
  },
};

/** The keys of `field` in precedence order for spans of `convention`. */
export function keysFor(convention: Convention, field: FieldName): readonly string[] {
  return CONVENTION_KEYS[convention]?.[field] ?? FIELD_KEYS[field];
}

/** JSON attributes already parsed for `key#name` specs, per span (several fields read one). */
const parsedJson = new WeakMap<Attributes, Map<string, unknown>>();

function parsedAttr(attrs: Attributes, key: string): unknown {
  let byKey = parsedJson.get(attrs);
  if (!byKey) parsedJson.set(attrs, (byKey = new Map()));
  if (byKey.has(key)) return byKey.get(key);
  const v = parseJson(attrs[key]);
  byKey.set(key, v);
  return v;
}

/** The value of one key spec (`key` or `key#name`). */
function lookup(attrs: Attributes, spec: string): unknown {
  const hash = spec.indexOf('#');
  if (hash < 0) return attrs[spec];
  const key = spec.slice(0, hash);
  if (attrs[key] === undefined) return undefined;
  let v = parsedAttr(attrs, key);
  for (const name of spec.slice(hash + 1).split('.')) v = field(v, name);
  return v;
}

/** First value among `keys` that `read` accepts. */
export function firstOf<T>(
  attrs: Attributes,
  keys: readonly string[],
  read: (v: AttrValue | undefined) => T | undefined,
): T | undefined {
  for (const key of keys) {
    const v = lookup(attrs, key);
    if (v === undefined || v === null) continue;
    const r = read(v as AttrValue);
    if (r !== undefined) return r;
  }
  return undefined;
}

export const firstString = (attrs: Attributes, keys: readonly string[]): string | undefined =>
  firstOf(attrs, keys, str);

export const firstNumber = (attrs: Attributes, keys: readonly string[]): number | undefined =>
  firstOf(attrs, keys, num);

/** A finish reason from a string, an array of strings, or the JSON text of such an array. */
export function firstReason(v: AttrValue | undefined): string | undefined {
  const parsed = parseJson(v);
  if (Array.isArray(parsed)) return typeof parsed[0] === 'string' && parsed[0] ? parsed[0] : undefined;
  return typeof parsed === 'string' && parsed ? parsed : undefined;
}
