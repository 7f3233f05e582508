import { PRICE_TABLE, type Price } from './price-table.ts';

export type { Price };

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
export function createPricer(
  overrides: Record<string, Price>,
): (model: string, provider: string, inputTokens: number, outputTokens: number) => number | null {
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
  return (model, provider, inputTokens, outputTokens) => {
    if (!model) return null;
    const p = priceOf(model, provider);
    if (!p) return null;
    return (inputTokens * p.input_per_mtok + outputTokens * p.output_per_mtok) / 1_000_000;
  };
}
