import { PRICE_TABLE, type Price } from './price-table.ts';

export type { Price };

/** The parts of a call's tokens priced apart (each included in the input or output count). */
export interface TokenDetails {
  /** Input tokens read from a prompt cache. */
  cachedInputTokens?: number;
  /** Input tokens written to a prompt cache. */
  cacheWriteTokens?: number;
  /** Reasoning tokens (of the output). */
  reasoningTokens?: number;
}

/** A pricer: USD for a call, or null when the model has no known price. */
export type Pricer = (
  model: string,
  provider: string,
  inputTokens: number,
  outputTokens: number,
  details?: TokenDetails,
) => number | null;

/**
 * USD for one call. Cached and cache-write tokens are part of `input` (OTel GenAI counts them
 * in `gen_ai.usage.input_tokens`; the Anthropic mapper adds them where a producer did not) and
 * reasoning tokens part of `output`: each is taken out and priced at its own rate, or at the
 * input or output rate where the provider publishes none.
 */
export function costOf(p: Price, input: number, output: number, d: TokenDetails = {}): number {
  const cached = Math.min(input, Math.max(0, d.cachedInputTokens ?? 0));
  const written = Math.min(input - cached, Math.max(0, d.cacheWriteTokens ?? 0));
  const reasoning = Math.min(output, Math.max(0, d.reasoningTokens ?? 0));
  const usd =
    (input - cached - written) * p.input_per_mtok +
    cached * (p.cached_input_per_mtok ?? p.input_per_mtok) +
    written * (p.cache_write_per_mtok ?? p.input_per_mtok) +
    (output - reasoning) * p.output_per_mtok +
    reasoning * (p.reasoning_per_mtok ?? p.output_per_mtok);
  return usd / 1_000_000;
}

/** Characters after a matched prefix that start a date or version suffix, not a longer name. */
const BOUNDARY = new Set(['-', ':', '@', '_']);

/** Cached lookups (model → price) kept at most; model names are low-cardinality. */
const CACHE_LIMIT = 10_000;

/**
 * Canonical lookup name: lower case, without routing prefixes (`models/gemini-…`,
 * `openai/gpt-4o` on OpenRouter) and Bedrock ids (`us.anthropic.claude-3-5-sonnet-…-v1:0`).
 */
export function modelKey(model: string): string {
  const m = model.trim().toLowerCase();
  return m
    .slice(m.lastIndexOf('/') + 1)
    .replace(/^(?:(?:us|eu|apac|global)\.)?(?:anthropic|meta|mistral|cohere|amazon)\./, '');
}

/** Longest key that equals `name` or is a prefix of it ending at a boundary character. */
function longestPrefix(table: ReadonlyMap<string, Price>, name: string): Price | null {
  for (let end = name.length; end > 0; end--) {
    if (end < name.length && !BOUNDARY.has(name[end] as string)) continue;
    const hit = table.get(name.slice(0, end));
    if (hit) return hit;
  }
  return null;
}

/**
 * A pricer over the maintained table (`price-table.ts`) extended and overridden by config
 * `collector.prices`. Override keys are model names, or `provider/model` for a price that
 * applies to one provider only (e.g. `azure.ai.openai/gpt-4o`). Unknown model → null, never a
 * guess.
 */
export function createPricer(overrides: Record<string, Price>): Pricer {
  const table = new Map<string, Price>();
  for (const [k, v] of Object.entries(PRICE_TABLE)) table.set(k, v);
  const byProvider = new Map<string, Map<string, Price>>();
  for (const [k, v] of Object.entries(overrides)) {
    const slash = k.indexOf('/');
    if (slash <= 0) {
      table.set(modelKey(k), v);
      continue;
    }
    const provider = k.slice(0, slash).toLowerCase();
    const own = byProvider.get(provider) ?? new Map<string, Price>();
    own.set(modelKey(k.slice(slash + 1)), v);
    byProvider.set(provider, own);
  }
  const cache = new Map<string, Price | null>();
  const priceOf = (model: string, provider: string): Price | null => {
    const name = modelKey(model);
    const ck = `${provider}\u0000${name}`;
    const cached = cache.get(ck);
    if (cached !== undefined) return cached;
    const own = byProvider.get(provider);
    const found = (own && longestPrefix(own, name)) ?? longestPrefix(table, name);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(ck, found);
    return found;
  };
  return (model, provider, inputTokens, outputTokens, details) => {
    if (!model) return null;
    const p = priceOf(model, provider);
    return p ? costOf(p, inputTokens, outputTokens, details) : null;
  };
}
