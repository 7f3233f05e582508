import { describe, expect, it } from 'vitest';
import { createMemoryJudgeCache, judgeCacheKey } from './cache.ts';
import { createMemorySpendLedger, overSpendCap } from './spend.ts';
import type { JudgeScore } from './types.ts';

const score: JudgeScore = {
  evaluator: 'judge_relevance',
  version: '1+abcd1234',
  score: 0.9,
  passed: true,
  reason: 'ok',
  judge_model: 'gpt-4o-mini',
  input_tokens: 10,
  output_tokens: 5,
  cost_usd: 0.001,
};

describe('judgeCacheKey', () => {
  it('is stable for the same (version, model, content) and changes with any of them', () => {
    const k = judgeCacheKey('1+abcd1234', 'gpt-4o-mini', 'content');
    expect(k).toBe(judgeCacheKey('1+abcd1234', 'gpt-4o-mini', 'content'));
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(judgeCacheKey('2+abcd1234', 'gpt-4o-mini', 'content')).not.toBe(k);
    expect(judgeCacheKey('1+abcd1234', 'gpt-4o', 'content')).not.toBe(k);
    expect(judgeCacheKey('1+abcd1234', 'gpt-4o-mini', 'content ')).not.toBe(k);
  });
});

describe('memory cache', () => {
  it('returns an entry until its TTL passes', async () => {
    let t = 0;
    const c = createMemoryJudgeCache(() => t);
    await c.set('k', score, 1000);
    expect(await c.get('k')).toEqual(score);
    t = 1000;
    expect(await c.get('k')).toBeUndefined();
  });
});

describe('spend cap', () => {
  it('holds when either limit is reached, summed over endpoints, and resets with the hour', async () => {
    let t = 3_600_000 * 10 + 5;
    const ledger = createMemorySpendLedger(() => t);
    const cap = { max_usd_per_hour: 1, max_tokens_per_hour: 1000 };
    expect(await overSpendCap(ledger, ['a', 'b'], cap)).toBe(false);
    await ledger.add('a', 600, 0.1);
    await ledger.add('b', 300, 0.1);
    expect(await overSpendCap(ledger, ['a', 'b'], cap)).toBe(false);
    await ledger.add('b', 100, 0.1);
    expect(await overSpendCap(ledger, ['a', 'b'], cap)).toBe(true);
    expect(await overSpendCap(ledger, ['a', 'b'], { max_usd_per_hour: 0.3 })).toBe(true);
    expect(await overSpendCap(ledger, ['a', 'b'], { max_usd_per_hour: 0.31 })).toBe(false);
    expect(await overSpendCap(ledger, ['a', 'b'], {})).toBe(false);
    t += 3_600_000;
    expect(await ledger.spentThisHour('a')).toEqual({ tokens: 0, usd: 0 });
    expect(await overSpendCap(ledger, ['a', 'b'], cap)).toBe(false);
  });
});
