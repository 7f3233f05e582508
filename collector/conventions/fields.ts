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
 * parameters in `llm.invocation_parameters`).
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
  ],
  cacheWriteTokens: [
    'gen_ai.usage.cache_write.input_tokens',
    'gen_ai.usage.cache_creation.input_tokens',
    'gen_ai.usage.cache_creation_input_tokens',
    'llm.token_count.prompt_details.cache_write',
    'ai.usage.inputTokenDetails.cacheWriteTokens',
  ],
  reasoningTokens: [
    'gen_ai.usage.reasoning.output_tokens',
    'gen_ai.usage.reasoning_tokens',
    'llm.token_count.completion_details.reasoning',
    'ai.usage.reasoningTokens',
    'ai.usage.outputTokenDetails.reasoningTokens',
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
};

/** The keys of `field` in precedence order for spans of `convention`. */
export function keysFor(convention: Convention, field: FieldName): readonly string[] {
  return CONVENTION_KEYS[convention]?.[field] ?? FIELD_KEYS[field];
}

/** The value of one key spec (`key` or `key#name`). */
function lookup(attrs: Attributes, spec: string): unknown {
  const hash = spec.indexOf('#');
  if (hash < 0) return attrs[spec];
  const raw = attrs[spec.slice(0, hash)];
  return raw === undefined ? undefined : field(parseJson(raw), spec.slice(hash + 1));
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
