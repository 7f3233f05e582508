import { describe, expect, it } from 'vitest';
import type { Dimensions } from '../../core/selector.ts';
import { evaluatorsConfigSchema } from './config.ts';
import { CHECKS, createCheckPlan, CheckConfigError } from './index.ts';
import { callInput } from '../../test/support/checks.ts';

const dims = (over: Partial<Dimensions> = {}): Dimensions => ({
  service: 'shop',
  provider: 'openai',
  route: '/api/support',
  model: 'gpt-4o-mini',
  ...over,
});

const plan = (raw: unknown) => createCheckPlan(evaluatorsConfigSchema.parse(raw), {});
const ids = (raw: unknown, d = dims()) =>
  plan(raw)
    .checksFor(d)
    .map((c) => c.id);

const PARAM_FREE = CHECKS.filter((c) => !c.requiresParams).map((c) => c.id);

const REFUNDS = {
  rules: [
    {
      match: { route: '/api/refunds', provider: 'openai' },
      checks: {
        json_schema: { schema: { type: 'object', required: ['refund_id'] } },
        refusal: { extra_phrases: ['not able to process refunds'] },
        regex: { must_match: ['^\\{'], must_not_match: ['(?i)as an ai'] },
        length_bounds: { min_chars: 20, max_chars: 2000 },
      },
      disable: ['language_match'],
    },
  ],
};

describe('createCheckPlan', () => {
  it('with no config, runs every check that needs no parameters', () => {
    expect(ids({})).toEqual(PARAM_FREE);
    expect(PARAM_FREE).toEqual(
      expect.arrayContaining(['empty_response', 'refusal', 'truncated', 'pii_leak']),
    );
    expect(PARAM_FREE).not.toContain('json_schema');
    expect(PARAM_FREE).not.toContain('regex');
  });

  it('runs nothing by default with defaults: false', () => {
    expect(ids({ defaults: false })).toEqual([]);
    expect(ids({ defaults: false, rules: [{ checks: { refusal: {} } }] })).toEqual(['refusal']);
  });

  it('applies a rule only to calls its selector matches', () => {
    const refunds = ids(REFUNDS, dims({ route: '/api/refunds' }));
    expect(refunds).toContain('json_schema');
    expect(refunds).toContain('regex');
    expect(refunds).not.toContain('language_match');
    expect(ids(REFUNDS, dims({ route: '/api/refunds', provider: 'anthropic' }))).toEqual(PARAM_FREE);
    expect(ids(REFUNDS, dims({ route: '/api/support' }))).toEqual(PARAM_FREE);
  });

  it('runs the checks with the rule parameters', () => {
    const checks = plan(REFUNDS).checksFor(dims({ route: '/api/refunds' }));
    const run = (id: string, response: string) =>
      checks.find((c) => c.id === id)?.evaluate(callInput({ response }));
    expect(run('json_schema', '{"amount": 1}')).toMatchObject({ passed: false });
    expect(run('json_schema', '{"refund_id": "r-1"}')).toMatchObject({ passed: true });
    expect(run('refusal', 'Sorry, we are not able to process refunds here.')).toMatchObject({
      passed: false,
    });
    expect(run('length_bounds', 'Too short')).toMatchObject({ passed: false });
    expect(run('regex', 'As an AI, {}')).toMatchObject({ passed: false });
  });

  it('lets a later rule override parameters of an earlier one (shallow merge) and re-enable a check', () => {
    const cfg = {
      rules: [
        { checks: { length_bounds: { min_chars: 20, max_chars: 100 } }, disable: ['repetition'] },
        { match: { route: '/api/long*' }, checks: { length_bounds: { max_chars: 5000 }, repetition: {} } },
      ],
    };
    const p = plan(cfg);
    const lengthOf = (route: string, response: string) =>
      p
        .checksFor(dims({ route }))
        .find((c) => c.id === 'length_bounds')
        ?.evaluate(callInput({ route, response }));
    expect(lengthOf('/api/support', 'x'.repeat(500))).toMatchObject({ passed: false });
    expect(lengthOf('/api/longform', 'x'.repeat(500))).toMatchObject({ passed: true });
    expect(lengthOf('/api/longform', 'x'.repeat(10))).toMatchObject({ passed: false });
    expect(ids(cfg, dims({ route: '/api/support' }))).not.toContain('repetition');
    expect(ids(cfg, dims({ route: '/api/longform' }))).toContain('repetition');
  });

  it('falls back to the later rule alone when merged parameters conflict', () => {
    const cfg = {
      rules: [
        { checks: { length_bounds: { min_chars: 50 } } },
        { match: { route: '/short' }, checks: { length_bounds: { max_chars: 10 } } },
      ],
    };
    const check = plan(cfg)
      .checksFor(dims({ route: '/short' }))
      .find((c) => c.id === 'length_bounds');
    expect(check?.evaluate(callInput({ route: '/short', response: 'Yes.' }))).toMatchObject({ passed: true });
  });

  it('returns the same compiled checks for calls matching the same rules', () => {
    const p = plan(REFUNDS);
    expect(p.checksFor(dims({ route: '/api/refunds', model: 'a' }))).toBe(
      p.checksFor(dims({ route: '/api/refunds', model: 'b' })),
    );
  });

  it('carries each check version', () => {
    for (const c of plan({}).checksFor(dims())) expect(c.version).toMatch(/^\d+$/);
  });
});

describe('evaluators config validation', () => {
  const issues = (raw: unknown): string[] => {
    const r = evaluatorsConfigSchema.safeParse(raw);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts the documented example and empty params', () => {
    expect(issues(REFUNDS)).toEqual([]);
    expect(issues({ rules: [{ checks: { refusal: null, truncated: {} } }] })).toEqual([]);
  });

  it('names an unknown check', () => {
    expect(issues({ rules: [{ checks: { refusals: {} } }] })).toEqual([
      expect.stringMatching(
        /^rules\.0\.checks\.refusals: unknown check "refusals" \(known: empty_response, /,
      ),
    ]);
    expect(issues({ rules: [{ disable: ['nope'] }] })).toEqual([
      expect.stringMatching(/^rules\.0\.disable\.0: unknown check/),
    ]);
  });

  it('gives the path of a bad parameter', () => {
    expect(issues({ rules: [{}, { checks: { json_schema: { schema: { type: 'objekt' } } } }] })).toEqual([
      expect.stringMatching(/^rules\.1\.checks\.json_schema\.schema: invalid JSON Schema/),
    ]);
    expect(issues({ rules: [{ checks: { regex: { must_not_match: ['(?i)[a-'] } } }] })).toEqual([
      expect.stringMatching(/^rules\.0\.checks\.regex\.must_not_match\.0: invalid regular expression/),
    ]);
    expect(issues({ rules: [{ checks: { refusal: { extra_phrase: ['x'] } } }] })).toEqual([
      expect.stringMatching(/^rules\.0\.checks\.refusal: Unrecognized key/i),
    ]);
    expect(issues({ rules: [{ match: { path: '/x' } }] })).toEqual([
      expect.stringMatching(/^rules\.0\.match/),
    ]);
  });

  it('createCheckPlan throws a clear error for bad params that bypassed the schema', () => {
    const unchecked = {
      defaults: true,
      min_confidence: 0.8,
      rules: [{ checks: { json_schema: { schema: { type: 'objekt' } } }, disable: [] }],
    };
    expect(() => createCheckPlan(unchecked, {})).toThrow(CheckConfigError);
    expect(() => createCheckPlan(unchecked, {})).toThrow(
      /evaluators\.rules\[0\]\.checks\.json_schema\.schema: invalid JSON Schema/,
    );
    const requiresSchema = {
      defaults: true,
      min_confidence: 0.8,
      rules: [{ checks: { json_schema: {} }, disable: [] }],
    };
    expect(() => createCheckPlan(requiresSchema, {})).toThrow(
      /evaluators\.rules\[0\]\.checks\.json_schema\.schema/,
    );
  });
});
