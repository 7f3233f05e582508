import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../cli/config.ts';
import type { NormalisedCall } from '../conventions/index.ts';
import { finishCall } from '../finish.ts';
import { createPricer } from './pricing.ts';
import { approximateTokens, encodingFor, estimateCallTokens } from './token-estimate.ts';
import { answerTokenPairs, promptTokenPairs } from '../../test/support/token-usage.ts';

/** Relative error of the sum, and the median relative error per call. */
function errors(pairs: Array<[estimate: number, real: number]>): { total: number; median: number } {
  const sum = (i: 0 | 1) => pairs.reduce((n, p) => n + p[i], 0);
  const each = pairs.map(([e, r]) => Math.abs(e - r) / r).sort((a, b) => a - b);
  return { total: Math.abs(sum(0) / sum(1) - 1), median: each[Math.floor(each.length / 2)] ?? 1 };
}

describe('encodingFor', () => {
  it.each([
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['openai/gpt-4.1-nano', 'o200k_base'],
    ['gpt-5', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['gpt-4-0613', 'cl100k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo-0125', 'cl100k_base'],
    ['gpt-35-turbo', 'cl100k_base'],
    ['claude-sonnet-4-5', null],
    ['o1x', null],
    ['', null],
  ])('%s → %s', (model, encoding) => {
    expect(encodingFor(model)).toBe(encoding);
  });
});

describe('approximateTokens', () => {
  it('counts one token per CJK character and one per four other characters', () => {
    expect(approximateTokens('')).toBe(0);
    expect(approximateTokens('abcdefgh')).toBe(2);
    expect(approximateTokens('东京はどこ')).toBe(5);
    expect(approximateTokens('안녕 hello')).toBe(2 + 2);
  });
});

describe('estimateCallTokens on real OpenAI usage', () => {
  it('answers: within 5 % in sum and per call (median)', () => {
    const pairs = answerTokenPairs();
    expect(pairs.length).toBeGreaterThan(250);
    const e = errors(pairs);
    expect(e.total).toBeLessThanOrEqual(0.05);
    expect(e.median).toBeLessThanOrEqual(0.05);
  });

  it('prompts (the stored role: content text plus chat overhead): within 5 %', () => {
    const pairs = promptTokenPairs();
    expect(pairs.length).toBeGreaterThan(200);
    const e = errors(pairs);
    expect(e.total).toBeLessThanOrEqual(0.05);
    expect(e.median).toBeLessThanOrEqual(0.05);
  });

  it('scales the count of a truncated text back to its full length', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
    const full = estimateCallTokens({
      model: 'gpt-4o',
      prompt: '',
      promptFullLength: 0,
      messages: 0,
      response: text,
      responseFullLength: text.length,
    }).output;
    const cut = text.slice(0, text.length / 4);
    const est = estimateCallTokens({
      model: 'gpt-4o',
      prompt: '',
      promptFullLength: 0,
      messages: 0,
      response: cut,
      responseFullLength: text.length,
    }).output;
    expect(Math.abs(est - full) / full).toBeLessThan(0.02);
  });
});

describe('finishCall token estimation', () => {
  const config = parseConfig({}).collector;
  const deps = { config, price: createPricer({}), redact: (s: string) => s };
  const base = {
    timestamp: 0,
    trace_id: 'a'.repeat(32),
    span_id: 'b'.repeat(16),
    parent_span_id: '',
    service: 's',
    environment: '',
    provider: 'openai',
    model: 'gpt-4o-mini',
    request_model: 'gpt-4o-mini',
    operation: 'chat',
    status: 'ok',
    error_type: '',
    finish_reason: 'stop',
    input_tokens: 0,
    output_tokens: 0,
    duration_ms: 1,
    convention: 'openinference',
    explicitRoute: null,
    system: [],
    input: [{ role: 'user', content: 'What is four plus five?' }],
    output: [{ role: 'assistant', content: 'Four plus five is nine.' }],
    contentInLogs: false,
    conversation_id: '',
    user_id: '',
    agent_name: '',
    toolCalls: [],
    toolDefinitions: [],
    cached_input_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    time_to_first_token_ms: null,
    temperature: null,
    max_tokens: null,
    top_p: null,
    content_filter: '',
    response_id: '',
  } satisfies NormalisedCall;
  const route = { route: '/', source: 'fallback' as const };

  it('estimates missing tokens, marks them, and prices them', () => {
    const row = finishCall(base, route, deps);
    // "user: What is four plus five?" = 8 tokens + 2 per message + 3 for the reply; the answer 6.
    expect(row).toMatchObject({ input_tokens: 13, output_tokens: 6, tokens_estimated: 1 });
    expect(row.cost_usd).toBeCloseTo((13 * 0.15 + 6 * 0.6) / 1e6, 12);
  });

  it('keeps reported tokens, and does not estimate a failed call', () => {
    expect(finishCall({ ...base, input_tokens: 20, output_tokens: 7 }, route, deps)).toMatchObject({
      input_tokens: 20,
      output_tokens: 7,
      tokens_estimated: 0,
    });
    expect(finishCall({ ...base, status: 'error', output: [] }, route, deps)).toMatchObject({
      input_tokens: 0,
      tokens_estimated: 0,
    });
  });

  it('with collector.tokens.estimate off, keeps the reported counts (0 and no cost) unmarked', () => {
    const off = { ...deps, config: parseConfig({ collector: { tokens: { estimate: false } } }).collector };
    const row = finishCall(base, route, off);
    expect(row).toMatchObject({ input_tokens: 0, output_tokens: 0, tokens_estimated: 0, cost_usd: 0 });
    // One side reported: the other stays 0, not estimated.
    expect(finishCall({ ...base, input_tokens: 20 }, route, off)).toMatchObject({
      input_tokens: 20,
      output_tokens: 0,
      tokens_estimated: 0,
    });
    expect(parseConfig({}).collector.tokens.estimate).toBe(true);
  });

  it('counts also when content capture is off (the text is counted, not stored)', () => {
    const off = { ...deps, config: parseConfig({ collector: { content: { capture: false } } }).collector };
    expect(finishCall(base, route, off)).toMatchObject({
      prompt: '',
      input_tokens: 13,
      output_tokens: 6,
      tokens_estimated: 1,
    });
  });
});
