import { describe, expect, it } from 'vitest';
import { judgesConfigSchema } from './config.ts';
import { createJudgePlan, judgeProbabilityFor, resolveJudgeRule } from './plan.ts';

const dims = (over: Partial<Record<'service' | 'provider' | 'route' | 'model', string>> = {}) => ({
  service: 'shop',
  provider: 'openai',
  route: '/api/chat',
  model: 'gpt-4o',
  ...over,
});

describe('judges config', () => {
  it('defaults: no endpoints (judges off), 24h cache, the endpoint defaults filled in', () => {
    const off = judgesConfigSchema.parse({});
    expect(off).toMatchObject({ endpoints: [], rules: [], rubrics: [], cache_ttl: 86_400_000, budget: {} });
    expect(createJudgePlan(off).judgesFor(dims())).toEqual([]);
    const on = judgesConfigSchema.parse({ endpoints: [{}] });
    expect(on.endpoints[0]).toMatchObject({
      name: 'default',
      base_url: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      api_key_env: 'OPENAI_API_KEY',
      concurrency: 4,
      rate_limit_per_minute: 60,
      timeout: 20_000,
      max_retries: 2,
      structured_output: true,
      breaker: { failure_threshold: 5, open_for: 30_000 },
    });
  });

  it.each([
    [{ endpoints: [{ name: 'a' }, { name: 'a' }] }, 'endpoints.1.name', 'duplicate endpoint'],
    [{ endpoints: [{}], rules: [{ endpoint: 'nope' }] }, 'rules.0.endpoint', 'unknown endpoint'],
    [
      { endpoints: [{}], rules: [{ rubrics: ['relevance', 'polite'] }] },
      'rules.0.rubrics.1',
      'unknown rubric',
    ],
    [{ rubrics: [{ id: 'relevance', prompt: 'x' }] }, 'rubrics.0.id', 'already exists'],
    [{ rubrics: [{ id: 'Polite', prompt: 'x' }] }, 'rubrics.0.id', 'lower_snake_case'],
    [{ endpoints: [{ timeout: '20 seconds' }] }, 'endpoints.0.timeout', 'invalid duration'],
    [{ endpoints: [{ apikey: 'sk-123' }] }, 'endpoints.0', 'apikey'],
    [{ rules: [{ probability: 2 }] }, 'rules.0.probability', ''],
  ])('rejects %j at %s', (input, path, message) => {
    const r = judgesConfigSchema.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error?.issues.find((i) => i.path.join('.') === path);
    expect(issue, JSON.stringify(r.error?.issues)).toBeDefined();
    expect(`${issue?.message} ${JSON.stringify(issue)}`).toContain(message);
  });

  it('first matching rule wins; unmatched calls get default_rubrics on the first endpoint', () => {
    const cfg = judgesConfigSchema.parse({
      endpoints: [{ name: 'cheap' }, { name: 'strong', model: 'gpt-4o' }],
      rubrics: [{ id: 'polite', prompt: 'Is it polite? {{answer}}' }],
      rules: [
        {
          match: { route: '/api/refunds' },
          endpoint: 'strong',
          rubrics: ['correctness', 'polite'],
          probability: 0.05,
          reference: 'Refunds take 5-7 business days.',
        },
        { match: { route: '/api/*' }, rubrics: ['helpfulness'] },
      ],
    });
    const refunds = dims({ route: '/api/refunds' });
    expect(resolveJudgeRule(cfg, refunds)).toEqual({
      endpoint: 'strong',
      rubrics: ['correctness', 'polite'],
      probability: 0.05,
      reference: 'Refunds take 5-7 business days.',
    });
    expect(createJudgePlan(cfg).judgesFor(refunds)).toEqual([
      { evaluator: 'judge_correctness', rubric: 'correctness', probability: 1 },
      { evaluator: 'judge_polite', rubric: 'polite', probability: 1 },
    ]);
    expect(resolveJudgeRule(cfg, dims())).toMatchObject({ endpoint: 'cheap', rubrics: ['helpfulness'] });
    expect(resolveJudgeRule(cfg, dims({ route: '/other' }))?.rubrics).toEqual([
      'relevance',
      'correctness',
      'groundedness',
    ]);
    const p = judgeProbabilityFor(cfg, 0.02);
    expect(p(refunds)).toBe(0.05);
    expect(p(dims())).toBe(0.02);
    expect(judgeProbabilityFor(judgesConfigSchema.parse({}), 0.02)(dims())).toBe(0);
  });
});
