import { describe, expect, it } from 'vitest';
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
});
