import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import type { LlmCall } from '../../core/llm-call.ts';
import { silentLogger } from '../../core/logger.ts';
import { loadProducerCases } from '../conventions/producers.ts';
import { decodeTraces } from '../otlp/index.ts';
import { CollectorPipeline } from '../pipeline.ts';
import { PRICE_TABLE } from './price-table.ts';
import { createPricer } from './pricing.ts';

describe('createPricer', () => {
  const price = createPricer({});

  it('prices a known model from the table (USD per million tokens)', () => {
    // gpt-4o-mini: $0.15 in, $0.60 out per million.
    expect(price('gpt-4o-mini', 'openai', 1_000_000, 1_000_000)).toBeCloseTo(0.75, 10);
    expect(price('claude-3-5-sonnet', 'anthropic', 1000, 100)).toBeCloseTo((1000 * 3 + 100 * 15) / 1e6, 12);
  });

  it('matches date-stamped and versioned names by longest prefix', () => {
    expect(price('gpt-4o-2024-08-06', 'openai', 1e6, 0)).toBeCloseTo(2.5);
    expect(price('gpt-4o-mini-2024-07-18', 'openai', 1e6, 0)).toBeCloseTo(0.15);
    expect(price('claude-sonnet-4-5-20250929', 'anthropic', 1e6, 0)).toBeCloseTo(3);
    expect(price('claude-3-5-sonnet@20240620', 'gcp.vertex_ai', 1e6, 0)).toBeCloseTo(3);
    expect(price('us.anthropic.claude-3-5-haiku-20241022-v1:0', 'aws.bedrock', 1e6, 0)).toBeCloseTo(0.8);
    expect(price('models/gemini-2.5-flash', 'gcp.gemini', 1e6, 0)).toBeCloseTo(0.3);
    expect(price('openai/gpt-4.1-mini', 'openrouter', 1e6, 0)).toBeCloseTo(0.4);
  });

  it('does not take a shorter name that is not a prefix at a boundary', () => {
    // `gpt-4` must not price `gpt-4o-…` or `gpt-4.5-…`; `o1` must not price `o1x`.
    expect(price('gpt-4.5-preview', 'openai', 1e6, 0)).toBeNull();
    expect(price('o1x', 'openai', 1e6, 0)).toBeNull();
    expect(price('gpt-4-0613', 'openai', 1e6, 0)).toBeCloseTo(30);
  });

  it('returns null for unknown or empty models, never a guess', () => {
    expect(price('my-finetune-v2', 'openai', 100, 100)).toBeNull();
    expect(price('', 'openai', 100, 100)).toBeNull();
  });

  it('lets config override and extend the table, also per provider', () => {
    const custom = createPricer({
      'gpt-4o': { input_per_mtok: 5, output_per_mtok: 15 },
      'my-finetune': { input_per_mtok: 1, output_per_mtok: 2 },
      'azure.ai.openai/gpt-4o-mini': { input_per_mtok: 0.2, output_per_mtok: 0.8 },
    });
    expect(custom('gpt-4o-2024-08-06', 'openai', 1e6, 0)).toBeCloseTo(5);
    expect(custom('my-finetune-v2', 'openai', 1e6, 1e6)).toBeCloseTo(3);
    expect(custom('gpt-4o-mini-2024-07-18', 'azure.ai.openai', 1e6, 0)).toBeCloseTo(0.2);
    expect(custom('gpt-4o-mini-2024-07-18', 'openai', 1e6, 0)).toBeCloseTo(0.15);
  });

  it('prices cached input, cache writes and reasoning at their own rates, taken out of input and output', () => {
    // gpt-4o: 2.5 in, 1.25 cached, 10 out. 1M input of which 400k cached; reasoning is output.
    expect(price('gpt-4o', 'openai', 1e6, 1e6, { cachedInputTokens: 4e5, reasoningTokens: 5e5 })).toBeCloseTo(
      0.6 * 2.5 + 0.4 * 1.25 + 10,
      10,
    );
    // claude-sonnet-4: 3 in, 0.3 cache read, 3.75 cache write, 15 out.
    expect(
      price('claude-sonnet-4-20250514', 'anthropic', 1e6, 0, {
        cachedInputTokens: 5e5,
        cacheWriteTokens: 2e5,
      }),
    ).toBeCloseTo(0.3 * 3 + 0.5 * 0.3 + 0.2 * 3.75, 10);
    // No published cache price: the input price. Counts larger than the input are capped by it.
    expect(price('gpt-4', 'openai', 1e6, 0, { cachedInputTokens: 5e5 })).toBeCloseTo(30);
    expect(price('gpt-4o', 'openai', 100, 0, { cachedInputTokens: 1000 })).toBeCloseTo(
      (100 * 1.25) / 1e6,
      12,
    );
    const custom = createPricer({ m: { input_per_mtok: 1, output_per_mtok: 2, reasoning_per_mtok: 4 } });
    expect(custom('m', '', 0, 1e6, { reasoningTokens: 5e5 })).toBeCloseTo(3);
  });

  it('knows when and where every built-in price was read', () => {
    for (const [model, p] of Object.entries(PRICE_TABLE)) {
      expect(p.as_of, model).toMatch(/^20\d\d-\d\d-\d\d$/);
      expect(p.source, model).toMatch(/^https:\/\/[a-z0-9.-]+\.[a-z]+\//);
      expect(p.cached_input_per_mtok ?? 0, model).toBeLessThanOrEqual(p.input_per_mtok);
    }
    expect(price('gpt-3.5-turbo-instruct', 'openai', 1e6, 1e6)).toBeCloseTo(3.5);
  });
});

/**
 * Models of the producer corpus without a public USD list price, and why. Every other model
 * there must get a cost from the built-in table.
 */
const UNPRICED: Record<string, string> = {
  'openai/doubao-seed-1.6-250615':
    'ByteDance Doubao via LiteLLM: priced per deployment region, no single USD list price',
  my_model_123: "a made-up name in Logfire's own test",
  replacementmodel: "a made-up name in Microsoft.Extensions.AI's own test",
  'mistral-42': "a made-up name in Spring AI's own test",
  'test-model': "a made-up name in Strands Agents' own tests (two cases)",
  '': 'no model on the span',
};

describe('the producer corpus', () => {
  it('gets a cost for every call whose model has a public price', async () => {
    const rows: LlmCall[] = [];
    // One pipeline per case, as a fresh collector would see it (cases reuse trace ids).
    for (const c of loadProducerCases()) {
      const p = new CollectorPipeline({
        config: parseConfig({ collector: { route: { wait: '10ms' } } }).collector,
        logger: silentLogger,
        price: createPricer({}),
        redact: (s) => s,
        sink: {
          add: (r) => (rows.push(...r), { accepted: true, done: Promise.resolve() }),
          available: () => 1e4,
        },
      });
      p.acceptSpans(decodeTraces(new TextEncoder().encode(JSON.stringify(c.request)), 'json').items);
      await p.shutdown();
    }
    expect(rows.length).toBeGreaterThanOrEqual(25);
    const unpriced = rows.filter((r) => r.cost_usd === null).map((r) => r.model || r.request_model);
    expect([...new Set(unpriced)].filter((m) => !(m in UNPRICED))).toEqual([]);
    const priced = rows.filter((r) => r.cost_usd !== null);
    // One row per unpriced call of the list above (Doubao and test-model twice each).
    expect(priced.length).toBeGreaterThanOrEqual(rows.length - 8);
    for (const r of priced)
      if (r.input_tokens + r.output_tokens > 0) expect(r.cost_usd, r.model).toBeGreaterThan(0);
  });
});
